package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.management.BadAttributeValueExpException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * Compiled rules read from the cache decide exactly as freshly compiled ones; anything wrong with
 * an entry (changed rules, corruption, a foreign class, a read-only directory) falls back to
 * compiling and never fails the build.
 */
class CompiledRulesCacheTest {
  @TempDir Path tmp;

  static List<ConfigSource> builtinProfiles() {
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> p = ConfigSources.fromPaths(List.of(Path.of("profiles")), problems);
    assertEquals(List.of(), problems);
    return p;
  }

  /** The decision JSON with explanations, less its random id. */
  static String json(Decision d) {
    ObjectNode o = DecisionJson.toJson(d, null, DecisionJson.Explain.FIELDS);
    o.remove("decisionId");
    return o.toString();
  }

  static List<String> decisions(RuleBase rb, List<SpawnRequest> requests) {
    return requests.stream().map(r -> json(DecisionEngine.decide(r, rb))).toList();
  }

  /** What stderr (slf4j-simple's output) received while {@code body} ran. */
  static <T> String stderrOf(Callable<T> body) throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      body.call();
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }

  List<Path> entries(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".bin")).sorted().toList();
    }
  }

  @Test
  void rulesReadFromTheCacheDecideExactlyAsCompiledOnes() throws Exception {
    Path dir = tmp.resolve("cache");
    List<RuleSource> rules = Engines.builtinRules();
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(200, 40, 11);
    List<ConfigSource> workload = List.of(new ConfigSource("w.yaml", w.yaml()));
    List<SpawnRequest> builtinRequests =
        List.of(
            new SpawnRequest("ana", List.of("data-team"), "s2i-minimal-notebook:3.6", "Default"),
            new SpawnRequest("bob", List.of(), null, null),
            new SpawnRequest("carol", List.of("gpu-users"), null, "Small"));

    RuleBaseBuilder compiling = new RuleBaseBuilder(new CompiledRulesCache(dir));
    RuleBase compiled = compiling.build(builtinProfiles(), rules);
    assertEquals("compiled", compiling.lastOrigin());
    assertEquals(1, entries(dir).size(), "the compile is kept");
    assertTrue(
        Files.getPosixFilePermissions(entries(dir).get(0))
            .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
        "readable by the image's user, whoever wrote it");

    RuleBaseBuilder reading = new RuleBaseBuilder(new CompiledRulesCache(dir));
    RuleBase read = reading.build(builtinProfiles(), rules);
    assertEquals("cache", reading.lastOrigin());
    assertEquals(compiled.revision(), read.revision());

    List<String> expected = decisions(compiled, builtinRequests);
    assertEquals(expected, decisions(read, builtinRequests));
    assertTrue(
        expected.stream().anyMatch(j -> j.contains("\"firedRules\":[{")),
        "the requests fire rules: " + expected);

    // Many profiles, many requests: same fired rules and answers, field by field.
    RuleBase compiledW = new RuleBaseBuilder().build(workload, rules);
    RuleBase readW = new RuleBaseBuilder(new CompiledRulesCache(dir)).build(workload, rules);
    assertEquals(decisions(compiledW, w.requests()), decisions(readW, w.requests()));
  }

  @Test
  void aChangedRuleMissesTheCacheCompilesAndKeepsANewEntry() throws Exception {
    Path dir = tmp.resolve("cache");
    List<RuleSource> rules = Engines.builtinRules();
    RuleBaseBuilder first = new RuleBaseBuilder(new CompiledRulesCache(dir));
    first.build(builtinProfiles(), rules);
    List<Path> before = entries(dir);
    assertEquals(1, before.size());

    List<RuleSource> changed = new ArrayList<>(rules);
    changed.add(
        new RuleSource(
            "extra.drl",
            """
            package extra;
            import io.hubpolicy.engine.facts.Outcome;
            rule "Extra env"
            when
                $o : Outcome()
            then
                $o.setEnv("EXTRA", "yes");
            end
            """));
    RuleBaseBuilder second = new RuleBaseBuilder(new CompiledRulesCache(dir));
    RuleBase rb = second.build(builtinProfiles(), changed);
    assertEquals("compiled", second.lastOrigin(), "a changed rule is compiled, not read");
    List<Path> after = entries(dir);
    assertEquals(2, after.size(), "a new entry beside the old: " + after);
    assertTrue(after.containsAll(before));
    String d = json(Engines.decide(rb, "ana", null, null));
    assertTrue(d.contains("EXTRA"), d);

    RuleBaseBuilder third = new RuleBaseBuilder(new CompiledRulesCache(dir));
    RuleBase again = third.build(builtinProfiles(), changed);
    assertEquals("cache", third.lastOrigin());
    assertEquals(d, json(Engines.decide(again, "ana", null, null)));
  }

  @Test
  void theKeyCoversTheRulesDroolsHubpolicysBuildAndTheJvm() {
    CompiledRulesCache cache = new CompiledRulesCache(tmp);
    String key = RuleBaseBuilder.rulesKey(Engines.builtinRules());
    String header = cache.headerFor(key);
    assertTrue(header.contains(key), header);
    assertTrue(header.contains("Drools " + org.drools.base.util.Drools.getFullVersion()), header);
    assertTrue(header.contains("hubpolicy " + CompiledRulesCache.version() + " "), header);
    assertFalse(header.contains("code unknown"), header);
    assertTrue(header.endsWith("Java " + Runtime.version().feature()), header);
    List<RuleSource> renamed = new ArrayList<>(Engines.builtinRules());
    renamed.set(0, new RuleSource("elsewhere.drl", renamed.get(0).text()));
    assertNotEquals(cache.entry(key), cache.entry(RuleBaseBuilder.rulesKey(renamed)));
    assertNull(CompiledRulesCache.NONE.entry(key));
  }

  /** Each damaged entry: a warning naming the file, a compile, and a good entry again. */
  void fallsBack(byte[] damaged, String why) throws Exception {
    Path dir = tmp.resolve("cache-" + why.replace(' ', '-'));
    List<RuleSource> rules = Engines.builtinRules();
    CompiledRulesCache cache = new CompiledRulesCache(dir);
    Path entry = cache.entry(RuleBaseBuilder.rulesKey(rules));
    Files.createDirectories(dir);
    Files.write(entry, damaged);

    RuleBaseBuilder builder = new RuleBaseBuilder(cache);
    RuleBase[] rb = new RuleBase[1];
    String err = stderrOf(() -> rb[0] = builder.build(builtinProfiles(), rules));
    assertEquals("compiled", builder.lastOrigin(), why);
    assertTrue(err.contains("WARN"), why + ": " + err);
    assertTrue(err.contains(entry.toString()), why + ": the warning names the file: " + err);
    String d = json(Engines.decide(rb[0], "ana", null, null));
    assertTrue(d.contains("\"firedRules\":[{"), d);
    // The compile replaced the damaged entry; the next start reads it.
    RuleBaseBuilder next = new RuleBaseBuilder(new CompiledRulesCache(dir));
    next.build(builtinProfiles(), rules);
    assertEquals("cache", next.lastOrigin(), why);
  }

  byte[] goodEntry() throws Exception {
    Path dir = tmp.resolve("good");
    List<RuleSource> rules = Engines.builtinRules();
    CompiledRulesCache cache = new CompiledRulesCache(dir);
    new RuleBaseBuilder(cache).build(builtinProfiles(), rules);
    return Files.readAllBytes(cache.entry(RuleBaseBuilder.rulesKey(rules)));
  }

  @Test
  void aTruncatedCorruptOrForeignEntryFallsBackToCompilingWithAWarning() throws Exception {
    byte[] good = goodEntry();
    fallsBack(java.util.Arrays.copyOf(good, good.length / 2), "truncated");
    byte[] flipped = good.clone();
    flipped[flipped.length - 100] ^= 0x5a;
    fallsBack(flipped, "corrupt");
    fallsBack("not an entry at all".getBytes(StandardCharsets.UTF_8), "garbage");
    fallsBack(new byte[0], "empty");
    // Well-formed, but made by another build: refused by its header.
    CompiledRulesCache cache = new CompiledRulesCache(tmp);
    String other =
        cache
            .headerFor(RuleBaseBuilder.rulesKey(Engines.builtinRules()))
            .replace("Java ", "Java 1");
    byte[] payload =
        java.util.Arrays.copyOfRange(good, good.length - payloadLength(good), good.length);
    fallsBack(CompiledRulesCache.frame(payload, other), "other build");
  }

  /** The payload's length: the int after the magic and the header. */
  static int payloadLength(byte[] entry) throws IOException {
    java.io.DataInputStream in =
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(entry));
    in.readUTF();
    in.readUTF();
    return in.readInt();
  }

  @Test
  void theFilterRefusesAClassOutsideTheAllowList() throws Exception {
    // A well-framed entry (right header, right CRC) whose payload is a JDK class that is no part
    // of compiled rules (and a classic start of deserialization gadget chains).
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(payload)) {
      out.writeObject(new ArrayList<>(List.of(new BadAttributeValueExpException("x"))));
    }
    List<RuleSource> rules = Engines.builtinRules();
    String header = new CompiledRulesCache(tmp).headerFor(RuleBaseBuilder.rulesKey(rules));
    byte[] entry = CompiledRulesCache.frame(payload.toByteArray(), header);
    // Decoded directly: the filter is what refuses it.
    java.io.InvalidClassException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.InvalidClassException.class, () -> CompiledRulesCache.decode(entry, header));
    assertTrue(
        refused.getMessage().contains(BadAttributeValueExpException.class.getName()),
        "names the class: " + refused.getMessage());
    assertEquals(
        java.io.ObjectInputFilter.Status.REJECTED,
        CompiledRulesCache.FILTER.checkInput(filterInfo(BadAttributeValueExpException.class)));
    assertEquals(
        java.io.ObjectInputFilter.Status.ALLOWED,
        CompiledRulesCache.FILTER.checkInput(filterInfo(long[][].class)));
    // Through the builder: a warning and a compile.
    fallsBack(entry, "foreign class");
  }

  @Test
  void rulesThatDoNotReadBackAreNotKeptAndSaySo() throws Exception {
    // A declared type's class is generated by the compile; a pattern on it is a reference to that
    // class, which Drools' serialization cannot resolve on reading (ClassNotFoundException).
    List<RuleSource> rules = new ArrayList<>(Engines.builtinRules());
    rules.add(
        new RuleSource(
            "declares.drl",
            """
            package declares;
            import io.hubpolicy.engine.facts.Spawn;
            declare Tag
                name : String
            end
            rule "Tag the user"
            when
                $s : Spawn()
            then
                insert(new Tag($s.getUser()));
            end
            rule "Tagged"
            when
                Tag(name == "ana")
            then
            end
            """));
    Path dir = tmp.resolve("cache");
    RuleBaseBuilder builder = new RuleBaseBuilder(new CompiledRulesCache(dir));
    String err = stderrOf(() -> builder.build(builtinProfiles(), rules));
    assertEquals("compiled", builder.lastOrigin());
    assertTrue(err.contains("not kept: they do not read back"), err);
    assertFalse(err.contains("WARN io.hubpolicy"), err);
    assertEquals(List.of(), Files.isDirectory(dir) ? entries(dir) : List.of());
    RuleBaseBuilder next = new RuleBaseBuilder(new CompiledRulesCache(dir));
    String again = stderrOf(() -> next.build(builtinProfiles(), rules));
    assertEquals("compiled", next.lastOrigin());
    assertFalse(again.contains("WARN io.hubpolicy"), "no entry to warn about: " + again);
  }

  @Test
  void aWritableDirectoryKeepsTheNewestEntriesOnly() throws Exception {
    Path dir = tmp.resolve("cache");
    List<Path> made = new ArrayList<>();
    for (int i = 0; i < CompiledRulesCache.KEEP + 2; i++) {
      List<RuleSource> rules = new ArrayList<>(Engines.builtinRules());
      rules.add(
          new RuleSource("r" + i + ".drl", "package r;\nrule \"r" + i + "\"\nwhen\nthen\nend\n"));
      CompiledRulesCache cache = new CompiledRulesCache(dir);
      new RuleBaseBuilder(cache).build(builtinProfiles(), rules);
      Path entry = cache.entry(RuleBaseBuilder.rulesKey(rules));
      // Distinct times, oldest first, whatever the file system's resolution.
      Files.setLastModifiedTime(
          entry, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L + i * 60_000L));
      made.add(entry);
    }
    assertEquals(
        made.subList(2, made.size()).stream().sorted().toList(),
        entries(dir),
        "the two oldest are gone");
  }

  static java.io.ObjectInputFilter.FilterInfo filterInfo(Class<?> c) {
    return new java.io.ObjectInputFilter.FilterInfo() {
      public Class<?> serialClass() {
        return c;
      }

      public long arrayLength() {
        return -1;
      }

      public long depth() {
        return 1;
      }

      public long references() {
        return 1;
      }

      public long streamBytes() {
        return 1;
      }
    };
  }

  @Test
  void aReadOnlyDirectoryIsReadAndNeverFailsABuild() throws Exception {
    Path dir = tmp.resolve("ro");
    List<RuleSource> rules = Engines.builtinRules();
    new RuleBaseBuilder(new CompiledRulesCache(dir)).build(builtinProfiles(), rules);
    byte[] entryBefore = Files.readAllBytes(entries(dir).get(0));
    Runnable writable = readOnly(dir);
    try {
      RuleBaseBuilder reading = new RuleBaseBuilder(new CompiledRulesCache(dir));
      reading.build(builtinProfiles(), rules);
      assertEquals("cache", reading.lastOrigin());

      List<RuleSource> changed = new ArrayList<>(rules);
      changed.add(new RuleSource("extra.drl", "package extra;\nrule \"x\"\nwhen\nthen\nend\n"));
      CompiledRulesCache cache = new CompiledRulesCache(dir);
      RuleBaseBuilder compiling = new RuleBaseBuilder(cache);
      String err = stderrOf(() -> compiling.build(builtinProfiles(), changed));
      assertEquals("compiled", compiling.lastOrigin());
      assertTrue(err.contains("INFO io.hubpolicy.engine.CompiledRulesCache"), err);
      assertTrue(err.contains(dir + " is read-only ("), err);
      assertFalse(err.contains("WARN"), "a read-only cache is not a problem: " + err);
      List<RuleSource> changedAgain = new ArrayList<>(changed);
      changedAgain.add(new RuleSource("more.drl", "package more;\nrule \"y\"\nwhen\nthen\nend\n"));
      String again = stderrOf(() -> compiling.build(builtinProfiles(), changedAgain));
      assertFalse(again.contains("CompiledRulesCache"), "said once: " + again);
      assertTrue(again.contains("not kept: " + dir + " is read-only"), again);
      assertEquals(1, entries(dir).size());
      assertArrayEquals(entryBefore, Files.readAllBytes(entries(dir).get(0)));
    } finally {
      writable.run();
    }
  }

  /**
   * Makes {@code dir} read-only and returns how to undo it: permissions, or (as root, whom
   * permissions do not stop) the immutable attribute; aborts the test if neither holds.
   */
  static Runnable readOnly(Path dir) throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    Runnable undo =
        () -> {
          try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
    if (!canWrite(dir)) {
      return undo;
    }
    if (run("chattr", "+i", dir.toString()) && !canWrite(dir)) {
      return () -> {
        run("chattr", "-i", dir.toString());
        undo.run();
      };
    }
    undo.run();
    Assumptions.abort(
        "cannot make a directory read-only here: running as root and chattr +i is unavailable");
    return undo;
  }

  static boolean canWrite(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
