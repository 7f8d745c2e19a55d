package io.hubpolicy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Python unittest suite as JUnit tests: the suite runs once with {@code
 * src/test/python/unittest_json.py}, and each Python test case becomes a dynamic test that passes,
 * fails with the Python traceback, or is skipped with the reason Python gave. Use from a
 * {@code @TestFactory}.
 */
public final class PythonUnittest {
  static final Path REPORTER = Path.of("src", "test", "python", "unittest_json.py");
  static final JsonMapper JSON = JsonMapper.builder().build();

  private PythonUnittest() {}

  /**
   * Runs the tests under {@code startDir} and gives one container per Python test class, then a
   * test that the suite still has {@code expectedTests} tests (a Python test that silently
   * disappears fails it).
   *
   * <p>When {@code missing} is not null (the Python or a package the suite needs is not there),
   * nothing runs: the suite is one test, reported skipped with that reason. (A factory that aborts
   * is a container, which surefire does not count: the class would show "Tests run: 0".)
   */
  public static Stream<DynamicNode> tests(
      Path startDir, int expectedTests, String missing, Duration timeout) throws Exception {
    if (missing != null) {
      return Stream.of(
          DynamicTest.dynamicTest(
              "the Python tests in " + startDir + " (none ran)",
              () -> Outside.assumeAvailable(missing)));
    }
    Path python = Outside.python();
    Path dir = Files.createTempDirectory("hubpolicy-unittest");
    Path report = dir.resolve("report.json");
    Path log = dir.resolve("output.txt");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(
                  python.toString(),
                  REPORTER.toAbsolutePath().toString(),
                  report.toString(),
                  startDir.toString())
              .directory(Path.of("").toAbsolutePath().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Outside.cleanPythonEnvironment(pb);
      Process p = pb.start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(
            "the Python tests in "
                + startDir
                + " did not finish in "
                + timeout.toSeconds()
                + " s:\n"
                + read(log));
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(report)) {
        throw new AssertionError(
            python
                + " "
                + REPORTER
                + " exited with "
                + p.exitValue()
                + " and no report:\n"
                + read(log));
      }
      List<JsonNode> cases = new ArrayList<>();
      JSON.readTree(report.toFile()).forEach(cases::add);
      // Output outside of the tests (the tests' own output is buffered into their failures).
      String output = read(log);
      if (!output.isBlank()) {
        System.out.println("Output of the Python tests in " + startDir + ":\n" + output);
      }

      Map<String, List<DynamicNode>> byClass = new LinkedHashMap<>();
      for (JsonNode c : cases) {
        String group = c.path("class").isString() ? c.get("class").asString() : "(suite)";
        byClass.computeIfAbsent(group, k -> new ArrayList<>()).add(test(c));
      }
      List<DynamicNode> nodes = new ArrayList<>();
      byClass.forEach((cls, tests) -> nodes.add(DynamicContainer.dynamicContainer(cls, tests)));
      int ran = cases.size();
      nodes.add(
          DynamicTest.dynamicTest(
              "the suite has " + expectedTests + " tests",
              () ->
                  assertEquals(
                      expectedTests,
                      ran,
                      "Python tests in "
                          + startDir
                          + ": a test was added or removed (update the expected count) or no longer"
                          + " found")));
      return nodes.stream();
    } finally {
      Files.deleteIfExists(report);
      Files.deleteIfExists(log);
      Files.deleteIfExists(dir);
    }
  }

  static DynamicTest test(JsonNode c) {
    String id = c.path("id").asString();
    String name = c.path("method").isString() ? c.get("method").asString() : id;
    String outcome = c.path("outcome").asString();
    List<String> details = new ArrayList<>();
    c.path("details").forEach(d -> details.add(d.asString()));
    String reason = c.path("reason").isString() ? c.get("reason").asString() : "";
    // No test source of its own: a dynamic test with the Python file as its source is one that
    // surefire files under no Java class (and does not count).
    return DynamicTest.dynamicTest(
        name,
        () -> {
          switch (outcome) {
            case "passed" -> {}
            case "skipped" -> Assumptions.abort("skipped by Python: " + reason);
            case "failed" -> throw new PythonFailure(id, String.join("\n", details));
            case "error" -> throw new PythonError(id, String.join("\n", details));
            default -> throw new AssertionError(id + ": unknown outcome '" + outcome + "'");
          }
        });
  }

  /** A Python assertion that failed: the message is the traceback; no Java frames. */
  static final class PythonFailure extends AssertionError {
    PythonFailure(String id, String traceback) {
      super(id + " failed in Python:\n" + traceback.strip());
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** A Python test that raised something else than an assertion. */
  static final class PythonError extends RuntimeException {
    PythonError(String id, String traceback) {
      super(id + " raised in Python:\n" + traceback.strip(), null, false, false);
    }
  }

  static String read(Path p) throws IOException {
    return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }
}
