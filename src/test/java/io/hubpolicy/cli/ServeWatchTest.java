package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.app.Wiring;
import io.hubpolicy.model.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve} without a cluster: profile files are watched unless {@code --no-watch}. */
class ServeWatchTest {
  @TempDir Path tmp;

  static String profiles(String value) {
    return "profiles:\n- name: p\n  env: [{name: V, value: '" + value + "'}]\n";
  }

  /** Starts serve on {@code file}; an option in {@code extra} replaces the test's default. */
  Wiring.Running start(Path file, String... extra) throws Exception {
    ServeCommand serve = new ServeCommand();
    java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
    options.put("--port", "0");
    options.put("--grpc-port", "-1");
    options.put("--audit-log", "none");
    options.put("--token-file", tmp.resolve("token").toString());
    options.put("--profiles", file.toString());
    List<String> args = new java.util.ArrayList<>();
    for (int i = 0; i < extra.length; i++) {
      if (i + 1 < extra.length && options.containsKey(extra[i])) {
        options.put(extra[i], extra[++i]);
      } else {
        args.add(extra[i]);
      }
    }
    options.forEach((k, v) -> args.addAll(List.of(k, v)));
    new CommandLine(serve).parseArgs(args.toArray(String[]::new));
    return serve.start();
  }

  @Test
  void aChangedProfileFileIsServedWithoutRestart() throws Exception {
    Path file = tmp.resolve("profiles.yaml");
    Files.writeString(file, profiles("one"));
    Wiring.Running running = start(file);
    try {
      String before = running.engine().ruleBase().revision();
      Files.writeString(file, profiles("two"));
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (running.engine().ruleBase().revision().equals(before)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertNotEquals(before, running.engine().ruleBase().revision());
    } finally {
      running.stop().run();
    }
  }

  /**
   * The configuration is read alongside the servers' set-up; a bad one still fails the start, with
   * its problems, and leaves no port open behind it.
   */
  @Test
  void anInvalidConfigurationStillFailsTheStartAndClosesThePorts() throws Exception {
    Path file = tmp.resolve("profiles.yaml");
    Files.writeString(file, "profiles:\n- name: p\n  sise: large\n");
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> start(file, "--port", Integer.toString(port)));
    assertEquals(file.toString(), e.problems().get(0).source(), e.getMessage());
    assertTrue(e.getMessage().contains("sise"), e.getMessage());
    // The HTTP server had started; the failed start closed it.
    try (java.net.ServerSocket again = new java.net.ServerSocket(port)) {
      assertEquals(port, again.getLocalPort());
    }
  }

  /** A bad setting found while the configuration is read: the configuration's problems first. */
  @Test
  void aBadSettingAndABadConfigurationReportTheConfigurationWithTheSettingBeside()
      throws Exception {
    Path file = tmp.resolve("profiles.yaml");
    Files.writeString(file, "profiles:\n- name: p\n  sise: large\n");
    Path notADirectory = tmp.resolve("plain-file");
    Files.writeString(notADirectory, "x");
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> start(file, "--token-file", notADirectory.resolve("token").toString()));
    assertEquals(1, e.getSuppressed().length, "the setting's problem rides along");
    assertTrue(
        e.getSuppressed()[0] instanceof io.hubpolicy.app.SettingException,
        e.getSuppressed()[0].toString());
  }

  @Test
  void noWatchReadsTheFilesOnce() throws Exception {
    Path file = tmp.resolve("profiles.yaml");
    Files.writeString(file, profiles("one"));
    Wiring.Running running = start(file, "--no-watch");
    try {
      String before = running.engine().ruleBase().revision();
      Files.writeString(file, profiles("two"));
      // Longer than a watched change takes here (well under a second), shorter than a test should.
      Thread.sleep(1_500);
      assertEquals(before, running.engine().ruleBase().revision());
      assertTrue(Files.readString(file).contains("two"));
    } finally {
      running.stop().run();
    }
  }
}
