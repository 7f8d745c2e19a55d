package io.hubpolicy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

class SafeNamesTest {
  // Written out here rather than taken from SafeNames, so a wrong pattern there cannot hide.
  private static final Pattern OBJECT_NAME = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

  /** The table in shared/notes/safe-slugs.md, plus a few from KubeSpawner's own tests. */
  static Stream<Arguments> objectNameVectors() {
    return Stream.of(
        Arguments.of("alice", "alice"),
        Arguments.of("user@email.com", "user-email-com---0925f997"),
        Arguments.of("Alice.Smith", "alice-smith---2ece8250"),
        Arguments.of("1abc", "x-1abc---57cb980e"),
        Arguments.of("---", "x---cb3f91d5"),
        Arguments.of("üser", "ser---73506260"),
        Arguments.of("x".repeat(70), "x".repeat(37) + "---c71bd109"),
        Arguments.of("jupyter-Alex", "jupyter-alex---3a1c285c"),
        Arguments.of("9z9", "x-9z9---224de202"),
        Arguments.of("username--servername", "username-servername---d957f1de"),
        Arguments.of("start---f587e2dc", "start-f587e2dc---cc5bb9c9"),
        Arguments.of("x".repeat(48), "x".repeat(48)),
        Arguments.of("", "x---e3b0c442"));
  }

  @ParameterizedTest
  @MethodSource("objectNameVectors")
  void safeSlugMatchesKubeSpawner(String name, String expected) {
    assertEquals(expected, SafeNames.safeSlug(name));
    assertEquals(expected, SafeNames.safeSlug(name, 48));
    assertObjectName(expected, 48);
  }

  @Test
  void safeSlugHonoursMaxLength() {
    assertEquals("x".repeat(16), SafeNames.safeSlug("x".repeat(16), 16));
    assertEquals("xxxxx---d04fd59f", SafeNames.safeSlug("x".repeat(17), 16));
    assertEquals("x---9c572959", SafeNames.safeSlug("x".repeat(16), 12));
    // The smallest budget still leaves room for the "x-" prefix rule without overflowing.
    assertObjectName(SafeNames.safeSlug("1abc", 12), 12);
    assertThrows(IllegalArgumentException.class, () -> SafeNames.safeSlug("x", 11));
    assertThrows(IllegalArgumentException.class, () -> SafeNames.safeSlug("x", 64));
  }

  @Test
  void userServerSlugVectors() {
    assertEquals(
        "some-user---7d3a4d4e--test-server---cb54a9af",
        SafeNames.userServerSlug("some_user", "test-server!"));
    assertEquals(
        "a".repeat(17) + "--" + "b".repeat(17) + "---583103a5",
        SafeNames.userServerSlug("a".repeat(30), "b".repeat(30)));
    assertEquals("alice--gpu", SafeNames.userServerSlug("alice", "gpu"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  void userServerSlugWithoutServerIsTheUserSlug(String server) {
    assertEquals("alice", SafeNames.userServerSlug("alice", server));
    assertEquals("user-email-com---0925f997", SafeNames.userServerSlug("user@email.com", server));
    assertEquals("a".repeat(46), SafeNames.userServerSlug("a".repeat(46), server));
  }

  @Test
  void userServerSlugTakesCombinedFormForLongUserWithoutServerAsKubeSpawnerDoes() {
    assertEquals("a".repeat(17) + "--x---b191b19d", SafeNames.userServerSlug("a".repeat(47), null));
  }

  static Stream<Arguments> labelValueVectors() {
    return Stream.of(
        Arguments.of("Vpavlin", "Vpavlin"),
        Arguments.of("Alice.Smith", "Alice.Smith"),
        Arguments.of("9a", "9a"),
        Arguments.of("a_b.c-d", "a_b.c-d"),
        Arguments.of("x".repeat(63), "x".repeat(63)),
        Arguments.of("user@email.com", "user-email-com---0925f997"),
        Arguments.of("üser", "ser---73506260"),
        Arguments.of("x".repeat(70), "x".repeat(21) + "---c71bd109"),
        Arguments.of("x".repeat(64), "x".repeat(21) + "---7ce10097"),
        Arguments.of("---", "x---cb3f91d5"),
        Arguments.of("AbC.", "abc---dbe8c5d1"),
        Arguments.of("a@b.c", "a-b-c---d648b243"),
        Arguments.of("a--b", "a-b---90827a2e"),
        // KubeSpawner leaves this one empty; we want every label to name something.
        Arguments.of("", "x---e3b0c442"));
  }

  @ParameterizedTest
  @MethodSource("labelValueVectors")
  void labelValueVectors(String name, String expected) {
    String value = SafeNames.labelValue(name);
    assertEquals(expected, value);
    assertLabelValue(value, 63);
  }

  @Test
  void labelValueIsNotTheOldEscapeScheme() {
    // The old scheme turned "Vpavlin" into "-56pavlin", which Kubernetes rejects.
    assertFalse(SafeNames.labelValue("Vpavlin").startsWith("-"));
  }

  @Test
  void labelValueHonoursMaxLength() {
    assertEquals("x".repeat(52) + "---c71bd109", SafeNames.labelValue("x".repeat(70), 63));
    assertEquals("Alice.Smith", SafeNames.labelValue("Alice.Smith", 12));
    assertEquals("alice---9028f9ac", SafeNames.labelValue("Alice.Smith.Jones", 16));
    assertThrows(IllegalArgumentException.class, () -> SafeNames.labelValue("x", 11));
  }

  @Test
  void validators() {
    assertTrue(SafeNames.isValidObjectName("a"));
    assertTrue(SafeNames.isValidObjectName("a-1"));
    assertTrue(SafeNames.isValidObjectName("a".repeat(63)));
    assertFalse(SafeNames.isValidObjectName("a".repeat(64)));
    assertFalse(SafeNames.isValidObjectName(""));
    assertFalse(SafeNames.isValidObjectName(null));
    assertFalse(SafeNames.isValidObjectName("1a"));
    assertFalse(SafeNames.isValidObjectName("a-"));
    assertFalse(SafeNames.isValidObjectName("Alice"));
    assertFalse(SafeNames.isValidObjectName("a.b"));

    assertTrue(SafeNames.isValidLabelValue(""));
    assertTrue(SafeNames.isValidLabelValue("Alice.Smith_2-x"));
    assertTrue(SafeNames.isValidLabelValue("9"));
    assertTrue(SafeNames.isValidLabelValue("A".repeat(63)));
    assertFalse(SafeNames.isValidLabelValue("A".repeat(64)));
    assertFalse(SafeNames.isValidLabelValue(null));
    assertFalse(SafeNames.isValidLabelValue(".a"));
    assertFalse(SafeNames.isValidLabelValue("a_"));
    assertFalse(SafeNames.isValidLabelValue("-56pavlin"));
    assertFalse(SafeNames.isValidLabelValue("a@b"));
  }

  @Test
  void randomNamesAlwaysGiveValidDistinctNames() {
    Random random = new Random(20261124L);
    Set<String> names = new LinkedHashSet<>();
    // Names that differ only in what extract() throws away: only the hash tells them apart.
    names.addAll(
        List.of("Alice.Smith", "alice.smith", "alice-smith", "alice_smith", "alice--smith", ""));
    // KubeSpawner's case-insensitive label check lets these non-ASCII letters through unescaped.
    names.addAll(List.of("D\u0131ana", "\u212Aelvin", "\u017Fam"));
    while (names.size() < 600) {
      names.add(randomName(random));
    }

    for (String name : names) {
      assertObjectName(SafeNames.safeSlug(name), 48);
      assertLabelValue(SafeNames.labelValue(name), 63);
      assertFalse(SafeNames.labelValue(name).isEmpty(), () -> "empty label for " + name);
      int max = 12 + random.nextInt(52);
      assertObjectName(SafeNames.safeSlug(name, max), max);
      assertLabelValue(SafeNames.labelValue(name, max), max);
      assertObjectName(SafeNames.userServerSlug(name, randomName(random)), 48);
    }

    assertDistinct(names, SafeNames::safeSlug, SafeNames::isValidObjectName);
    assertDistinct(names, SafeNames::labelValue, SafeNames::isValidLabelValue);
    List<String> list = new ArrayList<>(names);
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i + 1 < list.size(); i += 2) {
      String pair = list.get(i) + "\u0000" + list.get(i + 1);
      String slug = SafeNames.userServerSlug(list.get(i), list.get(i + 1));
      String other = seen.putIfAbsent(slug, pair);
      assertTrue(other == null, () -> "user/server pairs collide on " + slug);
    }
  }

  /** Every name that had to be escaped gets an output no other name in the sample gets. */
  private static void assertDistinct(
      Set<String> names, UnaryOperator<String> slug, Predicate<String> valid) {
    Map<String, String> byOutput = new HashMap<>();
    int escaped = 0;
    for (String name : names) {
      String out = slug.apply(name);
      String other = byOutput.putIfAbsent(out, name);
      assertTrue(other == null, () -> "'" + name + "' and '" + other + "' both give " + out);
      if (!valid.test(name)) {
        escaped++;
      }
    }
    assertTrue(escaped > 300, "the sample should be mostly names that need escaping: " + escaped);
  }

  private static String randomName(Random random) {
    // Mostly short names, some past every length limit; a mix of already-valid lowercase,
    // label-only characters, ASCII punctuation and arbitrary Unicode (including astral planes).
    int length = random.nextInt(random.nextInt(8) == 0 ? 90 : 16);
    StringBuilder sb = new StringBuilder();
    boolean plain = random.nextInt(5) == 0;
    for (int i = 0; i < length; i++) {
      int kind = plain ? 0 : random.nextInt(4);
      switch (kind) {
        case 0 -> sb.append((char) ('a' + random.nextInt(26)));
        case 1 -> sb.append("AZ09._-@ ".charAt(random.nextInt(9)));
        case 2 -> sb.append((char) (0x20 + random.nextInt(0x5f)));
        default -> sb.appendCodePoint(randomCodePoint(random));
      }
    }
    return sb.toString();
  }

  private static int randomCodePoint(Random random) {
    while (true) {
      int cp = random.nextInt(0x30000);
      if (Character.isDefined(cp) && Character.getType(cp) != Character.SURROGATE) {
        return cp;
      }
    }
  }

  private static void assertObjectName(String s, int max) {
    assertTrue(OBJECT_NAME.matcher(s).matches(), () -> "not an object name: '" + s + "'");
    assertTrue(s.length() <= max, () -> "longer than " + max + ": " + s);
  }

  private static void assertLabelValue(String s, int max) {
    assertTrue(LABEL_VALUE.matcher(s).matches(), () -> "not a label value: '" + s + "'");
    assertTrue(s.length() <= max, () -> "longer than " + max + ": " + s);
  }
}
