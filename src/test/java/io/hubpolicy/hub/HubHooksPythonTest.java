package io.hubpolicy.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Python unit tests of {@code hub/hubpolicy_hooks.py} ({@code hub/tests}), run with the
 * system's Python so that they are part of {@code mvn verify}.
 */
class HubHooksPythonTest {
  /** The number of Python tests: a test that silently disappears fails this one. */
  static final int EXPECTED_TESTS = 32;

  static final Pattern RAN = Pattern.compile("^Ran (\\d+) tests? in ", Pattern.MULTILINE);
  static final Pattern SKIPPED = Pattern.compile("skipped=(\\d+)");

  @Test
  void pythonUnitTestsPass() throws Exception {
    Path python = Python.executable();
    Python.requireRunnable(python, "HubHooksPythonTest");
    Path out = Files.createTempFile("hubpolicy-hooks-unittest", ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(
                  python.toString(), "-m", "unittest", "discover", "-s", "hub/tests", "-v")
              .directory(Path.of("").toAbsolutePath().toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      Python.cleanEnvironment(pb);
      Process p = pb.start();
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("python unit tests did not finish in 3 minutes:\n" + read(out));
      }
      String log = read(out);
      assertEquals(0, p.exitValue(), () -> "python -m unittest failed:\n" + log);
      Matcher ran = RAN.matcher(log);
      assertTrue(ran.find(), () -> "no 'Ran N tests' line:\n" + log);
      assertEquals(
          EXPECTED_TESTS,
          Integer.parseInt(ran.group(1)),
          () -> "unexpected number of Python tests:\n" + log);
      Matcher skipped = SKIPPED.matcher(log);
      if (skipped.find()) {
        System.err.println(
            Python.banner(
                "HubHooksPythonTest: "
                    + skipped.group(1)
                    + " Python test(s) SKIPPED:\n"
                    + log.lines()
                        .filter(l -> l.contains("skipped"))
                        .reduce("", (a, b) -> a + b + "\n")));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /** Finding and running the system's Python; skipping loudly when it is not there. */
  static final class Python {
    private Python() {}

    /** {@code -Dhubpolicy.python=PATH}, else /usr/bin/python3 (the one JupyterHub is for). */
    static Path executable() {
      return Path.of(System.getProperty("hubpolicy.python", "/usr/bin/python3"));
    }

    static String banner(String text) {
      String line = "=".repeat(78);
      return "\n" + line + "\n" + text.strip() + "\n" + line + "\n";
    }

    /** Aborts the test, loudly, with the exact reason. */
    static void skip(String who, String reason) {
      System.err.println(banner(who + " SKIPPED: " + reason));
      Assumptions.abort(reason);
    }

    static void requireRunnable(Path python, String who) {
      if (!Files.isExecutable(python)) {
        skip(who, python + " is not an executable (set -Dhubpolicy.python=PATH)");
      }
    }

    /** Results in the test, not in the repository or the user's Python settings. */
    static void cleanEnvironment(ProcessBuilder pb) {
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      pb.environment().remove("PYTHONPATH");
      pb.environment().remove("PYTHONHOME");
      pb.environment().remove("PYTHONSTARTUP");
      pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    }
  }
}
