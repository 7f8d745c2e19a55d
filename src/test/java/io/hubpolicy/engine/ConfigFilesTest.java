package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.profiles.ConfigSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
  @TempDir Path dir;

  static String profiles(String value) {
    return "profiles:\n- name: p\n  env: [{name: V, value: '" + value + "'}]\n";
  }

  static String v(DecisionEngine engine) {
    return PolicyReloaderTest.v(engine);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  /** An engine serving {@code file}, as serve starts it, and the reloader the watcher feeds. */
  record Serving(DecisionEngine engine, PolicyReloader reloader) {}

  Serving serveIn(Path file) throws Exception {
    return serve(file);
  }

  Serving serve(Path file) throws Exception {
    RuleBase rb =
        new RuleBaseBuilder()
            .build(
                List.of(new ConfigSource(file.toString(), Files.readString(file))),
                Engines.builtinRules());
    DecisionEngine engine = new DecisionEngine(rb);
    return new Serving(
        engine,
        new PolicyReloader(
            engine, new RuleBaseBuilder(), new SimpleMeterRegistry(), Clock.systemUTC()));
  }

  @Test
  void aChangedFileIsServedABadOneIsRejectedAndTheLastGoodKeepsServing() throws Exception {
    Path file = dir.resolve("profiles.yaml");
    Files.writeString(file, profiles("one"));
    Serving s = serve(file);
    try (PolicyReloader r = s.reloader();
        ConfigFiles files =
            ConfigFiles.watch(
                List.of(file), List.of(Path.of("rules")), s.reloader(), Duration.ofMinutes(5))) {
      assertEquals("one", v(s.engine()));

      Files.writeString(file, profiles("two"));
      await("revision with V=two", () -> v(s.engine()).equals("two"));

      String good = s.engine().ruleBase().revision();
      Files.writeString(file, "profiles:\n- name: p\n  env: [{name: V, valu: 'x'}]\n");
      await("the rejection", () -> s.reloader().status().lastRejected() != null);
      assertEquals(good, s.engine().ruleBase().revision());
      assertEquals("two", v(s.engine()));
      assertTrue(
          s.reloader().status().lastRejected().problems().toString().contains("valu"),
          s.reloader().status().lastRejected().problems().toString());

      // An editor's way: write elsewhere, then rename over the file.
      Path tmp = dir.resolve(".profiles.yaml.swp");
      Files.writeString(tmp, profiles("three"));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      await("revision with V=three", () -> v(s.engine()).equals("three"));
      assertTrue(files.reads() >= 3, "reads: " + files.reads());
    }
  }

  @Test
  void otherFilesInTheSameDirectoryDoNotCauseReads() throws Exception {
    Path file = dir.resolve("profiles.yaml");
    Files.writeString(file, profiles("one"));
    Serving s = serve(file);
    try (PolicyReloader r = s.reloader();
        ConfigFiles files =
            ConfigFiles.watch(List.of(file), List.of(), s.reloader(), Duration.ofMinutes(5))) {
      Path audit = dir.resolve("hubpolicy-audit.jsonl");
      for (int i = 0; i < 20; i++) {
        Files.writeString(audit, "{\"line\":" + i + "}\n");
        Thread.sleep(5);
      }
      Thread.sleep(ConfigFiles.SETTLE.toMillis() * 4);
      assertEquals(0, files.reads());
      Files.writeString(file, profiles("two"));
      await("the change", () -> files.reads() > 0 && v(s.engine()).equals("two"));
    }
  }

  @Test
  void aMountedConfigMapSwappingItsDataSymlinkIsAChange() throws Exception {
    // How the kubelet updates a ConfigMap volume: a new timestamped directory, then ..data is
    // replaced by a rename; the visible file is a symlink through ..data.
    Path mount = dir.resolve("mount");
    Files.createDirectories(mount.resolve("..2026_01"));
    Files.writeString(mount.resolve("..2026_01/profiles.yaml"), profiles("one"));
    Files.createSymbolicLink(mount.resolve("..data"), Path.of("..2026_01"));
    Files.createSymbolicLink(mount.resolve("profiles.yaml"), Path.of("..data/profiles.yaml"));
    Serving s = serve(mount.resolve("profiles.yaml"));
    try (PolicyReloader r = s.reloader();
        ConfigFiles files =
            ConfigFiles.watch(List.of(mount), List.of(), s.reloader(), Duration.ofMinutes(5))) {
      assertEquals("one", v(s.engine()));
      Files.createDirectories(mount.resolve("..2026_02"));
      Files.writeString(mount.resolve("..2026_02/profiles.yaml"), profiles("two"));
      Files.createSymbolicLink(mount.resolve("..data_tmp"), Path.of("..2026_02"));
      Files.move(
          mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      await("revision with V=two", () -> v(s.engine()).equals("two"));
    }
  }

  @Test
  void aMissingFileIsReadAgainPeriodicallyAndTakenWhenItAppears() throws Exception {
    Path file = dir.resolve("profiles.yaml");
    Files.writeString(file, profiles("one"));
    Serving s = serve(file);
    try (PolicyReloader r = s.reloader();
        ConfigFiles files =
            ConfigFiles.watch(
                List.of(file, dir.resolve("later.yaml")),
                List.of(),
                s.reloader(),
                Duration.ofMillis(200))) {
      // A missing file is reported and nothing changes; the periodic read keeps trying.
      await("a few periodic reads", () -> files.reads() >= 2);
      assertNotNull(s.engine().ruleBase());
      assertEquals("one", v(s.engine()));
      // Read after profiles.yaml, so its profile is the last match.
      Files.writeString(
          dir.resolve("later.yaml"),
          "profiles:\n- name: later\n  env: [{name: V, value: 'two'}]\n");
      await("revision with V=two", () -> v(s.engine()).equals("two"));
    }
  }
}
