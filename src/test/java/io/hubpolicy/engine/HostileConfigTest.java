package io.hubpolicy.engine;

import static io.hubpolicy.engine.ConfigFilesTest.await;
import static io.hubpolicy.engine.ConfigFilesTest.profiles;
import static io.hubpolicy.engine.ConfigFilesTest.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ProfileLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A careless (or hostile) operator's configuration never stops reloads: whatever the file holds,
 * the change is a rejection shown by the reloader's status (what {@code GET /v1/config} shows),
 * counted, and the last good configuration keeps serving.
 */
class HostileConfigTest {
  @TempDir Path dir;

  static String nested(int depth, boolean flow) {
    if (flow) {
      return "profiles: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
    }
    StringBuilder b = new StringBuilder("profiles:\n");
    for (int i = 0; i < depth; i++) {
      b.append("  ".repeat(i + 1)).append("- \n");
    }
    return b.toString();
  }

  @Test
  void everyUnreadableOrUnbuildableChangeIsARejectionAndTheWatchGoesOn() throws Exception {
    Path file = dir.resolve("profiles.yaml");
    Files.writeString(file, profiles("good"));
    ConfigFilesTest.Serving s = new ConfigFilesTest().serveIn(file);
    try (PolicyReloader r = s.reloader();
        ConfigFiles files =
            ConfigFiles.watch(
                List.of(file), List.of(Path.of("rules")), r, Duration.ofMillis(200))) {
      String good = s.engine().ruleBase().revision();
      List<Function<Path, String>> hostile =
          List.of(
              f -> write(f, nested(5_000, true)),
              f -> write(f, nested(3_000, false)),
              f ->
                  writeBytes(
                      f, "profiles:\n- name: p\n  env: [{name: V, value: '\u00ff\u00fe'}]\n"),
              f -> write(f, ""),
              f -> write(f, "profiles:\n- name: p\n  resources: {limits: {cpu: '-1'}}\n"),
              f -> delete(f));
      List<String> expected =
          List.of(
              "nested more than 100 levels deep",
              "nested more than 100 levels deep",
              "is not valid UTF-8",
              "is empty",
              "is negative",
              "no such file");
      for (int i = 0; i < hostile.size(); i++) {
        long rejectedBefore = r.status().rejected();
        String where = hostile.get(i).apply(file);
        int n = i;
        await(
            "rejection of " + where,
            () ->
                r.status().rejected() > rejectedBefore
                    && r.status().lastRejected().problems().toString().contains(expected.get(n)));
        Problem p = r.status().lastRejected().problems().get(0);
        assertEquals(file.toString(), p.source(), p.toString());
        assertEquals(good, s.engine().ruleBase().revision(), "the last good keeps serving");
        assertEquals("good", v(s.engine()));
      }
      // The line is known where it can be: the bad byte's line.
      write(file, "profiles:\n- name: p\n");
      writeBytes(file, "profiles:\n- name: p\n  env: [{name: V, value: '\u00ff'}]\n");
      await(
          "invalid UTF-8 at line 3", () -> r.status().lastRejected().problems().get(0).line() == 3);
      // And after all that, the watch still takes a good change.
      write(file, profiles("better"));
      await("the good change", () -> v(s.engine()).equals("better"));
    }
  }

  /**
   * DRL nested thousands of parentheses deep overflows the Drools compiler's stack: that is a
   * rejection, and the reload thread lives on to take the next change.
   */
  @Test
  void aStackOverflowWhileBuildingIsARejectionAndTheNextChangeIsTaken() throws Exception {
    String deep =
        "package x;\nrule \"deep\" when eval("
            + "(".repeat(50_000)
            + "true"
            + ")".repeat(50_000)
            + ") then end\n";
    DecisionEngine engine = new DecisionEngine(null);
    try (PolicyReloader r =
        new PolicyReloader(
            engine, new RuleBaseBuilder(), new SimpleMeterRegistry(), Clock.systemUTC())) {
      PolicyReloader.Input good = input("fine");
      List<RuleSource> rules = new java.util.ArrayList<>(good.rules());
      rules.add(new RuleSource("deep.drl", deep));
      r.submit(new PolicyReloader.Input(good.profiles(), rules, good.versions(), List.of()));
      await("the rejection", () -> r.status().rejected() == 1);
      assertTrue(
          r.status().lastRejected().problems().toString().contains("deep.drl")
              || r.status().lastRejected().problems().toString().contains("nested too deeply"),
          r.status().lastRejected().problems().toString());
      r.submit(good);
      await("the next change", () -> engine.ruleBaseOrNull() != null);
      assertEquals("fine", v(engine));
    }
  }

  /** The alias guard counts what aliases add, so a large file without aliases loads. */
  @Test
  void fiftyThousandProfilesWithoutAliasesLoadAndAnAliasBombDoesNot() {
    StringBuilder big = new StringBuilder("profiles:\n");
    for (int i = 0; i < 50_000; i++) {
      big.append("- name: p")
          .append(i)
          .append("\n  users: [u")
          .append(i)
          .append("]\n  env: [{name: A, value: '")
          .append(i)
          .append("'}]\n");
    }
    ProfileLoader.Result r =
        new ProfileLoader().read(List.of(new ConfigSource("big.yaml", big.toString())));
    assertEquals(List.of(), r.problems());
    assertEquals(50_000, r.config().profiles().size());

    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'e'; c++) { // 40 aliases: under SnakeYAML's own limit of 50
      char prev = (char) (c - 1);
      bomb.append(c).append(": &").append(c).append(" [");
      bomb.append(("*" + prev + ", ").repeat(9)).append("*").append(prev).append("]\n");
    }
    ProfileLoader.Result b =
        new ProfileLoader().read(List.of(new ConfigSource("bomb.yaml", bomb.toString())));
    assertTrue(
        b.problems().toString().contains("aliases in the document expand to more than"),
        b.problems().toString());
  }

  static PolicyReloader.Input input(String value) {
    return PolicyReloaderTest.input(value);
  }

  private static String write(Path f, String text) {
    try {
      Files.writeString(f, text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }

  /** The text with each char below 256 written as that byte: 0xFF is never valid UTF-8. */
  private static String writeBytes(Path f, String latin1) {
    try {
      Files.write(f, latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "bytes " + latin1.length();
  }

  private static String delete(Path f) {
    try {
      Files.delete(f);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "deleted";
  }
}
