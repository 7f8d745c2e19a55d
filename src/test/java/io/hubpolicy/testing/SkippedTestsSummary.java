package io.hubpolicy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Collects the tests that were skipped (disabled, or aborted by an assumption: something they need
 * is not installed here) with their reasons, and at the end of the test plan writes a short list
 * grouped by reason. Registered for every JUnit Platform run through {@code
 * META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 *
 * <p>With {@code -Dhubpolicy.skipped.file=PATH} (as surefire and failsafe are configured in the
 * pom) the list goes to that file, which the build prints at the end of {@code mvn verify}: the
 * tests' own output is redirected to {@code target/*-reports/*-output.txt}, so nothing written here
 * would reach the console. Without it (an IDE, the console launcher) the list is printed on stdout.
 * {@code -Dhubpolicy.skipped.title} names the run in the list's first line.
 *
 * <p>Surefire runs one test plan per test class in the same JVM, so the list is kept for the whole
 * JVM and written again, complete so far, after each plan.
 */
public class SkippedTestsSummary implements TestExecutionListener {
  /** The longest reason shown; the test's report has the whole of it. */
  static final int MAX_REASON = 600;

  record Skip(String test, String reason) {}

  private static final Object LOCK = new Object();
  private static final List<Skip> SKIPPED = new ArrayList<>();
  private static int tests;
  private static int failed;

  private TestPlan plan;

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    plan = testPlan;
  }

  @Override
  public void executionSkipped(TestIdentifier id, String reason) {
    // A skipped container (a disabled class) stands for the tests in it.
    synchronized (LOCK) {
      tests++;
      SKIPPED.add(new Skip(path(id), oneLine(reason == null ? "disabled" : reason)));
    }
  }

  @Override
  public void executionFinished(TestIdentifier id, TestExecutionResult result) {
    synchronized (LOCK) {
      boolean aborted = result.getStatus() == TestExecutionResult.Status.ABORTED;
      if (id.isTest() || aborted) {
        tests++; // an aborted container (a class whose @BeforeAll aborted) stands for its tests
      }
      if (result.getStatus() == TestExecutionResult.Status.FAILED) {
        failed++;
      }
      if (aborted) {
        String reason =
            result
                .getThrowable()
                .map(t -> t.getMessage() == null ? t.getClass().getName() : t.getMessage())
                .orElse("aborted");
        SKIPPED.add(new Skip(path(id), oneLine(reason.replaceFirst("^Assumption failed: ", ""))));
      }
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    String summary;
    synchronized (LOCK) {
      summary = summary(System.getProperty("hubpolicy.skipped.title", "tests"));
    }
    String file = System.getProperty("hubpolicy.skipped.file");
    if (file == null || file.isBlank()) {
      System.out.print(summary);
      return;
    }
    try {
      Path p = Path.of(file);
      Files.createDirectories(p.toAbsolutePath().getParent());
      Files.writeString(p, summary, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the list of skipped tests to " + file, e);
    }
  }

  /**
   * The list so far: one line when nothing was skipped, else the skips grouped by reason; then, if
   * some failed, where to find what they printed ({@code -Dhubpolicy.test.output=DIR}).
   */
  static String summary(String title) {
    String output = System.getProperty("hubpolicy.test.output");
    String failures =
        failed == 0
            ? ""
            : "  "
                + failed
                + " FAILED (Maven lists them)"
                + (output == null
                    ? ""
                    : "; what each class printed: " + output + "/<class>-output.txt")
                + "\n";
    if (SKIPPED.isEmpty()) {
      return title + ": nothing skipped (" + tests + " tests)\n" + failures;
    }
    Map<String, List<String>> byReason = new LinkedHashMap<>();
    for (Skip s : SKIPPED) {
      byReason.computeIfAbsent(s.reason(), r -> new ArrayList<>()).add(s.test());
    }
    StringBuilder b = new StringBuilder();
    b.append(title)
        .append(": ")
        .append(SKIPPED.size())
        .append(" of ")
        .append(tests)
        .append(" tests SKIPPED, by reason:\n");
    byReason.forEach(
        (reason, tests) -> {
          b.append("  * ").append(reason).append('\n');
          tests.forEach(t -> b.append("      - ").append(t).append('\n'));
        });
    return b.append(failures).toString();
  }

  /** The test's display names from its class down: "HubHookIT > aDeniedSpawn...()". */
  String path(TestIdentifier id) {
    Deque<String> names = new ArrayDeque<>();
    TestIdentifier at = id;
    while (at != null) {
      Optional<TestIdentifier> parent = plan == null ? Optional.empty() : plan.getParent(at);
      if (parent.isEmpty()) {
        break; // the engine ("JUnit Jupiter") says nothing here
      }
      names.addFirst(at.getDisplayName());
      at = parent.get();
    }
    if (names.isEmpty()) {
      names.add(id.getDisplayName());
    }
    return String.join(" > ", names);
  }

  static String oneLine(String reason) {
    String s = reason.strip().replaceAll("\\s*\\R\\s*", " / ");
    return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON) + " [...]";
  }
}
