package io.hubpolicy.authoring;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs policy test files: {@code hubpolicy test} and the build's {@code RuleCasesTest} both run
 * through here, so the two can never disagree. Each file's configuration is built once (with the
 * built-in rules), then each case is decided and checked.
 */
public final class PolicyTestRunner {
  private final Path builtinRules;

  /**
   * @param builtinRules the built-in rules directory, part of every test file's configuration
   */
  public PolicyTestRunner(Path builtinRules) {
    this.builtinRules = builtinRules;
  }

  /**
   * A file to run. A file named on the command line must be a policy test; one found in a directory
   * is skipped when it has no {@code cases:} (a profile file the tests refer to, say).
   */
  public record Candidate(Path path, boolean named) {}

  /**
   * Files and directories, in the order given; a directory's {@code .yaml} and {@code .yml} files
   * alphabetically, subdirectories included (hidden ones are not). A path that does not exist is a
   * problem.
   */
  public static List<Candidate> discover(List<Path> paths, List<Problem> problems) {
    List<Candidate> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.walk(p)) {
          files
              .filter(f -> Files.isRegularFile(f) && isYaml(f) && !hidden(p.relativize(f)))
              .sorted()
              .forEach(f -> out.add(new Candidate(f, false)));
        } catch (IOException | RuntimeException e) {
          problems.add(new Problem(p.toString(), 0, "", "cannot list directory: " + Words.of(e)));
        }
      } else if (Files.isRegularFile(p)) {
        out.add(new Candidate(p, true));
      } else {
        problems.add(new Problem(p.toString(), 0, "", "no such file or directory"));
      }
    }
    return out;
  }

  private static boolean isYaml(Path f) {
    String n = f.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml");
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** Reads a file and builds its configuration. */
  public PolicyTestFile.Read load(Candidate c) {
    return PolicyTestFile.read(c.path(), builtinRules, c.named());
  }

  /** Loads a file and runs every case. */
  public PolicyTestResult run(Candidate c) {
    PolicyTestFile.Read read = load(c);
    if (read.tests() == null) {
      return new PolicyTestResult(c.path(), read.problems(), List.of(), read.notATest());
    }
    List<PolicyTestResult.Case> cases = new ArrayList<>();
    for (PolicyTestCase tc : read.tests().cases()) {
      cases.add(run(read.tests(), tc));
    }
    return new PolicyTestResult(c.path(), List.of(), cases, false);
  }

  /** Decides one case's request and checks every expectation. */
  public static PolicyTestResult.Case run(PolicyTestFile file, PolicyTestCase c) {
    long start = System.nanoTime();
    List<PolicyTestMismatch> mismatches = new ArrayList<>();
    Decision d = null;
    String refused = null;
    String why = null;
    try {
      d = DecisionEngine.decide(c.request(), file.ruleBase());
    } catch (InvalidRequestException e) {
      refused = e.field() + ": " + e.getMessage();
      why = "refused: ";
    } catch (PolicyException e) {
      refused = e.getMessage();
      why = "failed: ";
    } catch (RuntimeException e) {
      refused = "internal error: " + Words.of(e);
      why = "failed: ";
    }
    if (c.error() != null) {
      if (refused == null) {
        mismatches.add(
            new PolicyTestMismatch(
                "error",
                c.errorLine(),
                "refused, with a message containing: " + c.error(),
                "a decision (allowed: " + d.allowed() + ")"));
      } else if (!refused.contains(c.error())) {
        mismatches.add(
            new PolicyTestMismatch(
                "error",
                c.errorLine(),
                "refused, with a message containing: " + c.error(),
                refused));
      }
    } else if (refused != null) {
      mismatches.add(new PolicyTestMismatch("decision", c.line(), "a decision", why + refused));
    } else {
      for (PolicyTestExpectation e : c.expectations()) {
        try {
          e.check(d, mismatches);
        } catch (RuntimeException ex) {
          mismatches.add(
              new PolicyTestMismatch(
                  "expectation", c.line(), "a check", "internal error: " + Words.of(ex)));
        }
      }
    }
    return new PolicyTestResult.Case(c.name(), c.line(), mismatches, System.nanoTime() - start);
  }
}
