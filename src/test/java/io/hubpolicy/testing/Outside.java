package io.hubpolicy.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The programs outside the JVM that some tests need (Debian's Python with its packages, {@code
 * configurable-http-proxy}), and why a test cannot run when one is missing.
 *
 * <p>Each check answers {@code null} when the part is there, else one readable sentence: what is
 * missing and how to install it. A test passes that sentence to {@link #assumeAvailable}, inside
 * the test method or a {@code @BeforeEach}, so that each of its methods is reported skipped with
 * the reason (never a class that vanishes with 0 tests, never a pass).
 *
 * <p>Knobs, to point the tests at another installation or to see what a bare machine reports:
 *
 * <ul>
 *   <li>{@code HUBPOLICY_TEST_PYTHON} (environment) or {@code -Dhubpolicy.python}: the Python to
 *       run; default {@code /usr/bin/python3}, Debian's, for which python3-jupyterhub & co. are
 *       installed (another python3 may come first on PATH).
 *   <li>{@code HUBPOLICY_TEST_PROXY} (environment) or {@code -Dhubpolicy.proxy}: the {@code
 *       configurable-http-proxy} to run; default the first on PATH.
 * </ul>
 */
public final class Outside {
  private Outside() {}

  static final String DEBIAN_PYTHON = "/usr/bin/python3";

  /** Where Debian's node modules are, which a node not from Debian does not search by itself. */
  public static final String DEBIAN_NODE_PATH = "/usr/share/nodejs";

  private static final Map<String, String> PROBED = new ConcurrentHashMap<>();

  /** Skips the running test (or every test of a {@code @BeforeEach}) when {@code missing} says. */
  public static void assumeAvailable(String missing) {
    Assumptions.assumeTrue(missing == null, missing);
  }

  // ---------------------------------------------------------------------------------------------
  // Python

  /** The Python the tests run. */
  public static Path python() {
    return Path.of(setting("HUBPOLICY_TEST_PYTHON", "hubpolicy.python", DEBIAN_PYTHON));
  }

  /** Null when {@link #python()} is an executable, else why not. */
  public static String pythonMissing() {
    Path python = python();
    if (Files.isExecutable(python) && !Files.isDirectory(python)) {
      return null;
    }
    return "needs Python 3 at "
        + python
        + ", which is not an executable"
        + (python.toString().equals(DEBIAN_PYTHON)
            ? " (apt-get install python3)"
            : " (chosen by HUBPOLICY_TEST_PYTHON or -Dhubpolicy.python; without them the tests"
                + " run Debian's "
                + DEBIAN_PYTHON
                + ")");
  }

  /**
   * Null when {@link #python()} imports each of {@code modules}, else why not.
   *
   * @param what what the test needs, as a reader says it ("Debian's jupyterhub")
   * @param install how to get it ("apt-get install jupyterhub python3-kubernetes")
   */
  public static String pythonModulesMissing(String what, List<String> modules, String install) {
    String noPython = pythonMissing();
    if (noPython != null) {
      return noPython;
    }
    String key = python() + " " + String.join(",", modules);
    String answer =
        PROBED.computeIfAbsent(
            key,
            k -> {
              List<String> cannot = new ArrayList<>();
              String firstError = null;
              for (String module : modules) {
                Run r = run(List.of(python().toString(), "-c", "import " + module), Map.of(), 60);
                if (r.exit() != 0) {
                  cannot.add(module);
                  if (firstError == null) {
                    firstError = lastLine(r.output());
                  }
                }
              }
              if (cannot.isEmpty()) {
                return "";
              }
              return "needs "
                  + what
                  + ": "
                  + python()
                  + " cannot import "
                  + String.join(", ", cannot)
                  + " ("
                  + firstError
                  + "); "
                  + install
                  + " (as .ci/run does)";
            });
    return answer.isEmpty() ? null : answer;
  }

  /**
   * Only the Python packages of the system: nothing from the repository's or the user's Python
   * settings, and none of the caller's hubpolicy settings.
   */
  public static void cleanPythonEnvironment(ProcessBuilder pb) {
    Map<String, String> env = pb.environment();
    env.remove("PYTHONPATH");
    env.remove("PYTHONHOME");
    env.remove("PYTHONSTARTUP");
    env.put("PYTHONNOUSERSITE", "1");
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    env.keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
  }

  // ---------------------------------------------------------------------------------------------
  // configurable-http-proxy (node)

  /** The configurable-http-proxy to run, or null when there is none on PATH. */
  public static Path configurableHttpProxy() {
    String chosen = setting("HUBPOLICY_TEST_PROXY", "hubpolicy.proxy", null);
    return chosen != null ? Path.of(chosen) : findOnPath("configurable-http-proxy");
  }

  /** Null when configurable-http-proxy runs here (it answers --version), else why not. */
  public static String configurableHttpProxyMissing() {
    Path proxy = configurableHttpProxy();
    if (proxy == null) {
      return "needs configurable-http-proxy on PATH: it comes with Debian's jupyterhub"
          + " (apt-get install jupyterhub, as .ci/run does)";
    }
    if (!Files.isExecutable(proxy)) {
      return "needs configurable-http-proxy: "
          + proxy
          + " is not an executable (chosen by HUBPOLICY_TEST_PROXY or -Dhubpolicy.proxy; without"
          + " them the tests run the first on PATH)";
    }
    String answer =
        PROBED.computeIfAbsent(
            "proxy " + proxy,
            k -> {
              Run r =
                  run(
                      List.of(proxy.toString(), "--version"),
                      Map.of("NODE_PATH", nodePath(System.getenv("NODE_PATH"))),
                      60);
              return r.exit() == 0
                  ? ""
                  : "needs a configurable-http-proxy that runs: "
                      + proxy
                      + " --version exited with "
                      + r.exit()
                      + " ("
                      + lastLine(r.output())
                      + "); it needs node and Debian's node modules (apt-get install jupyterhub"
                      + " nodejs)";
            });
    return answer.isEmpty() ? null : answer;
  }

  /** NODE_PATH with Debian's node modules added, for a node that is not Debian's. */
  public static String nodePath(String nodePath) {
    return nodePath == null || nodePath.isBlank()
        ? DEBIAN_NODE_PATH
        : nodePath + File.pathSeparator + DEBIAN_NODE_PATH;
  }

  public static Path findOnPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------

  /** Null when all are null, else the reasons, one after the other. */
  public static String anyMissing(String... reasons) {
    List<String> missing = new ArrayList<>();
    for (String r : reasons) {
      if (r != null && !missing.contains(r)) {
        missing.add(r);
      }
    }
    return missing.isEmpty() ? null : String.join("; and ", missing);
  }

  static String setting(String env, String property, String otherwise) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? otherwise : v;
  }

  record Run(int exit, String output) {}

  static Run run(List<String> command, Map<String, String> env, int seconds) {
    try {
      Path out = Files.createTempFile("hubpolicy-probe", ".txt");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        cleanPythonEnvironment(pb);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          return new Run(-1, "did not finish in " + seconds + " s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return new Run(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Run(-1, e.toString());
    }
  }

  static String lastLine(String output) {
    List<String> lines = output.strip().lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).strip();
  }
}
