package io.hubpolicy.profiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.workload.WorkloadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Reading profiles apart ({@link ProfileChunks}) gives exactly what reading the whole source gives,
 * profiles and problems alike, and a second read reuses what did not change.
 */
class ProfileChunksTest {
  private static final String SOURCE = "profiles.yaml";

  /** A whole read, the reference. */
  private static ProfileLoader.Result whole(String text) {
    return new ProfileLoader(ProfileLoader.DEFAULT_DATA_KEY, false)
        .read(List.of(new ConfigSource(SOURCE, text)));
  }

  private static void assertSame(ProfileLoader.Result apart, ProfileLoader.Result whole) {
    assertEquals(whole.problems(), apart.problems());
    PolicyConfig a = apart.config();
    PolicyConfig w = whole.config();
    assertEquals(w.profiles(), a.profiles());
    assertEquals(w.sizes(), a.sizes());
    assertEquals(w.gpuTypes(), a.gpuTypes());
    assertEquals(w.exceptions(), a.exceptions());
    assertEquals(w.ui(), a.ui());
    assertEquals(w.notes(), a.notes());
  }

  private static ProfileLoader.Result read(ProfileLoader loader, String text) {
    return loader.read(List.of(new ConfigSource(SOURCE, text)));
  }

  @Test
  void aGeneratedConfigurationReadsTheSameApartAndIsReusedOnTheNextRead() {
    String yaml = WorkloadGenerator.generate(500, 1, 42).yaml();
    ProfileLoader loader = new ProfileLoader();
    ProfileLoader.Result first = read(loader, yaml);
    assertTrue(first.problems().isEmpty(), () -> first.problems().toString());
    assertEquals(500, first.config().profiles().size());
    assertArrayEquals(new int[] {0, 500}, loader.lastReadCounts());
    assertSame(first, whole(yaml));

    String changed = yaml.replaceFirst("value: 'v7'", "value: 'changed'");
    ProfileLoader.Result second = read(loader, changed);
    assertArrayEquals(new int[] {499, 1}, loader.lastReadCounts());
    assertSame(second, whole(changed));
    assertTrue(
        second.config().profiles().get(7).env().toString().contains("changed"),
        second.config().profiles().get(7).env().toString());
  }

  @Test
  void anInvalidProfileIsReportedAsAWholeReadReportsItAndTheRestIsStillReused() {
    String yaml = WorkloadGenerator.generate(200, 1, 7).yaml();
    ProfileLoader loader = new ProfileLoader();
    read(loader, yaml);
    String invalid = yaml.replaceFirst("value: 'v3'", "valu: 'v3'");
    ProfileLoader.Result r = read(loader, invalid);
    assertFalse(r.problems().isEmpty());
    assertTrue(
        r.problems().get(0).field().startsWith("profiles[3].env"), r.problems().get(0).field());
    assertArrayEquals(new int[] {199, 1}, loader.lastReadCounts());
    assertSame(r, whole(invalid));
    // The next good read reuses all but the profile that changed back.
    read(loader, yaml);
    assertArrayEquals(new int[] {199, 1}, loader.lastReadCounts());
  }

  @Test
  void aProblemInOneSourceLeavesTheNextSourcesProfilesAsTheyWereForTheNextGoodRead() {
    String a = WorkloadGenerator.generate(200, 1, 7).yaml();
    String b = WorkloadGenerator.generate(100, 1, 3).yaml().replace("- name: p", "- name: q");
    ProfileLoader loader = new ProfileLoader();
    List<Profile> first =
        loader
            .read(List.of(new ConfigSource("a", a), new ConfigSource("b", b)))
            .config()
            .profiles();
    assertEquals(300, first.size());
    String invalid = a.replaceFirst("value: 'v3'", "valu: 'v3'");
    assertNotEquals(a, invalid);
    ProfileLoader.Result bad =
        loader.read(List.of(new ConfigSource("a", invalid), new ConfigSource("b", b)));
    assertFalse(bad.problems().isEmpty());
    // The profiles after the invalid one moved up a place in that read.
    assertEquals(first.get(250).name(), bad.config().profiles().get(249).name());

    List<Profile> again =
        loader
            .read(List.of(new ConfigSource("a", a), new ConfigSource("b", b)))
            .config()
            .profiles();
    assertEquals(first, again);
    for (int i = 0; i < first.size(); i++) {
      if (i != 3) { // read again: its text changed and changed back
        Assertions.assertSame(first.get(i), again.get(i), "profile " + i);
      }
    }
  }

  @Test
  void anInsertedLineShiftsTheProfilesAfterItWhichAreReadAgainWithTheirNewLines() {
    String yaml = WorkloadGenerator.generate(100, 1, 3).yaml();
    ProfileLoader loader = new ProfileLoader();
    read(loader, yaml);
    String inserted = yaml.replaceFirst("- name: p50\n", "- name: p50\n  # a new comment\n");
    ProfileLoader.Result r = read(loader, inserted);
    assertArrayEquals(new int[] {50, 50}, loader.lastReadCounts());
    assertSame(r, whole(inserted));
    assertEquals(
        whole(yaml).config().profiles().get(51).source().line() + 1,
        r.config().profiles().get(51).source().line());
  }

  static final String SHAPES =
      """
      # a comment before everything
      ui:
        title: Hub
      profiles: # the list
        # a comment before the first item
        - name: a
          users: [ana]
          env:
            - name: X
              value: |
                line one
                - not an item
              # an indented comment
        # a comment between items

        - name: b
          groups: [g]
          resources:
            requests: {cpu: 500m}
        -
          name: c
          images: ['img:1']
      sizes:
      - name: Small
        resources:
          requests: {cpu: '1', memory: 1Gi}
      gpuTypes: []
      """;

  @Test
  void indentedItemsCommentsBlockScalarsAndKeysAroundThemReadTheSame() {
    ProfileLoader loader = new ProfileLoader();
    ProfileLoader.Result r = read(loader, SHAPES);
    assertTrue(r.problems().isEmpty(), () -> r.problems().toString());
    assertArrayEquals(new int[] {0, 3}, loader.lastReadCounts());
    assertSame(r, whole(SHAPES));
    assertTrue(
        r.config().profiles().get(0).env().get(0).getValue().contains("- not an item"),
        r.config().profiles().get(0).env().get(0).getValue());
    read(loader, SHAPES);
    assertArrayEquals(new int[] {3, 0}, loader.lastReadCounts());
  }

  @Test
  void textsThatCannotBeCutAreReadWhole() {
    for (String text :
        List.of(
            "profiles:\n- &a {name: a}\n- *a\n",
            "---\nprofiles:\n- name: a\n",
            "profiles: [{name: a}]\n",
            "profiles:\r\n- name: a\r\n",
            "profiles:\n- name: a\n---\nprofiles:\n- name: b\n",
            "sizes: []\n")) {
      ProfileLoader loader = new ProfileLoader();
      ProfileLoader.Result r = read(loader, text);
      assertArrayEquals(new int[] {0, 0}, loader.lastReadCounts(), text);
      assertSame(r, whole(text));
    }
  }

  @Test
  void aSyntaxErrorInsideAnItemIsReportedAsAWholeReadReportsIt() {
    for (String text :
        List.of(
            "profiles:\n- name: a\n  users: [ana\n- name: b\n",
            "profiles:\n- name: a\n  env: {\n- name: b\n",
            "profiles:\n- name: a\n  users: [x]\n  users: [y]\n",
            "profiles:\n- name: a\nsizes:\n  - name: S\n   bad: indent\n")) {
      ProfileLoader.Result r = read(new ProfileLoader(), text);
      assertFalse(r.problems().isEmpty(), text);
      assertSame(r, whole(text));
    }
    // A quoted value over several lines may hold what looks like the next item: the item is then
    // cut wrongly, fails to read alone, and the source is read whole, which takes it as one value.
    String quoted = "profiles:\n- name: 'a\n- name: b'\n";
    ProfileLoader.Result r = read(new ProfileLoader(), quoted);
    assertTrue(r.problems().isEmpty(), r.problems().toString());
    assertEquals("a - name: b", r.config().profiles().get(0).name());
    assertSame(r, whole(quoted));
  }

  @Test
  void theNestingBoundCountsFromTheDocumentNotTheItem() {
    // 100 levels in all: allowed; 101: refused — the same either way.
    for (int depth : new int[] {96, 97, 98, 99}) {
      String nested = "[".repeat(depth) + "]".repeat(depth);
      String text = "profiles:\n- name: a\n  users: " + nested + "\n";
      ProfileLoader.Result r = read(new ProfileLoader(), text);
      assertSame(r, whole(text));
    }
  }

  @Test
  void theConfigurationsOfTheOldSystemReadTheSame() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("examples/compat"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        String text = Files.readString(f);
        assertSame(read(new ProfileLoader(), text), whole(text));
      }
    }
    for (Path dir : List.of(Path.of("profiles"))) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          String text = Files.readString(f);
          ProfileLoader loader = new ProfileLoader();
          assertSame(read(loader, text), whole(text));
        }
      }
    }
  }

  /**
   * Random edits of a small configuration (a line deleted, duplicated, indented, a character
   * changed): whatever they do to it, reading apart, with the previous read's profiles to reuse,
   * gives what a whole read gives.
   */
  @Test
  void randomEditsReadTheSameApartAsWhole() {
    String base = WorkloadGenerator.generate(30, 1, 11).yaml() + "exceptions: []\n";
    Random random = new Random(19);
    String chars = " -:#'\"[]{}\n\tax0&|>";
    ProfileLoader loader = new ProfileLoader();
    read(loader, base);
    int apart = 0;
    for (int i = 0; i < 600; i++) {
      List<String> lines = new ArrayList<>(List.of(base.split("\n", -1)));
      int at = random.nextInt(lines.size());
      switch (random.nextInt(5)) {
        case 0 -> lines.remove(at);
        case 1 -> lines.add(at, lines.get(at));
        case 2 -> lines.set(at, "  " + lines.get(at));
        case 3 -> lines.set(at, lines.get(at).replaceFirst("^  ", ""));
        default -> {
          String l = lines.get(at);
          int c = l.isEmpty() ? 0 : random.nextInt(l.length());
          char x = chars.charAt(random.nextInt(chars.length()));
          lines.set(at, l.isEmpty() ? String.valueOf(x) : l.substring(0, c) + x + l.substring(c));
        }
      }
      String edited = String.join("\n", lines);
      ProfileLoader.Result r = read(loader, edited);
      if (loader.lastReadCounts()[0] > 0) {
        apart++;
      }
      assertSame(r, whole(edited));
      read(loader, base);
    }
    // Most edits leave most profiles alone: the comparison above covered reuse, not only whole
    // reads.
    assertTrue(apart > 300, "edits read apart: " + apart);
  }

  @Test
  void problemsKeepTheirSourceLineAndField() {
    String text = "profiles:\n- name: a\n- name: b\n  gpu: -1\n";
    ProfileLoader.Result r = read(new ProfileLoader(), text);
    assertEquals(1, r.problems().size(), r.problems().toString());
    Problem p = r.problems().get(0);
    assertEquals(List.of(SOURCE, 4, "profiles[1].gpu"), List.of(p.source(), p.line(), p.field()));
  }
}
