package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.app.Wiring;
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

  Wiring.Running start(Path file, String... extra) throws Exception {
    ServeCommand serve = new ServeCommand();
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--port",
                "0",
                "--grpc-port",
                "-1",
                "--audit-log",
                "none",
                "--token-file",
                tmp.resolve("token").toString(),
                "--profiles",
                file.toString()));
    args.addAll(List.of(extra));
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
