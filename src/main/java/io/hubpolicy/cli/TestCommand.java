package io.hubpolicy.cli;

import io.hubpolicy.authoring.PolicyTestJUnitXml;
import io.hubpolicy.authoring.PolicyTestResult;
import io.hubpolicy.authoring.PolicyTestRunner;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = {
      "Runs policy tests: YAML files of cases, each a spawn request and what its",
      "decision must be (the rules that fire, fields, who set them).",
      "Format: docs/policy-tests.md. Without PATH: ./rules/tests.",
      "Exit 0 when every case passed, 1 when a case failed, 2 for a test file that",
      "cannot run (its problems as file:line: field: message)."
    })
final class TestCommand implements Callable<Integer> {
  static final Path DEFAULT_TESTS = Path.of("rules", "tests");

  @Parameters(
      paramLabel = "PATH",
      arity = "0..*",
      description =
          "Test files, or directories of them (their .yaml/.yml files with cases:, subdirectories"
              + " included).")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = "--junit",
      paramLabel = "FILE",
      description = "Also write the results as JUnit XML (one testsuite per file) for CI.")
  Path junit;

  @Option(
      names = {"-v", "--verbose"},
      description = "List every case that passed, too.")
  boolean verbose;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Problem> problems = new ArrayList<>();
    List<PolicyTestRunner.Candidate> files =
        PolicyTestRunner.discover(paths.isEmpty() ? List.of(DEFAULT_TESTS) : paths, problems);
    PolicyTestRunner runner = new PolicyTestRunner(DefaultConfig.rules());
    List<PolicyTestResult> results = new ArrayList<>();
    long passed = 0;
    long failed = 0;
    int unrunnable = 0;
    for (PolicyTestRunner.Candidate c : files) {
      PolicyTestResult r = runner.run(c);
      results.add(r);
      if (r.notATest()) {
        continue;
      }
      if (!r.problems().isEmpty()) {
        r.problems().forEach(p -> err.println(p));
        out.printf(
            "ERROR %s (%d problem%s, not run)%n",
            c.path(), r.problems().size(), r.problems().size() == 1 ? "" : "s");
        unrunnable++;
        continue;
      }
      print(r, out);
      passed += r.passed();
      failed += r.failed();
    }
    problems.forEach(p -> err.println(p));
    if (problems.isEmpty() && results.stream().allMatch(PolicyTestResult::notATest)) {
      String where =
          String.join(
              ", ",
              (paths.isEmpty() ? List.of(DEFAULT_TESTS) : paths)
                  .stream().map(Path::toString).toList());
      err.println("hubpolicy: no policy test files (YAML files with cases:) in " + where);
      problems.add(new Problem(where, 0, "", "no policy test files"));
    }
    if (junit != null) {
      try {
        PolicyTestJUnitXml.write(results, junit);
      } catch (IOException | RuntimeException e) {
        err.println("hubpolicy: --junit " + junit + ": " + Words.of(e));
        problems.add(new Problem(junit.toString(), 0, "", "cannot write"));
      }
    }
    StringBuilder summary = new StringBuilder(passed + " passed, " + failed + " failed");
    if (unrunnable > 0) {
      summary
          .append(", ")
          .append(unrunnable)
          .append(" test file")
          .append(unrunnable == 1 ? "" : "s")
          .append(" with problems");
    }
    out.println(summary);
    out.flush();
    if (unrunnable > 0 || !problems.isEmpty()) {
      return Main.BAD_INPUT;
    }
    return failed > 0 ? Main.FAILURE : Main.OK;
  }

  private void print(PolicyTestResult r, PrintWriter out) {
    for (PolicyTestResult.Case c : r.cases()) {
      if (!c.passed()) {
        out.printf("FAIL  %s:%d: %s%n", r.file(), c.line(), c.name());
        out.println(c.describe().indent(6).stripTrailing());
      } else if (verbose) {
        out.printf("PASS  %s:%d: %s%n", r.file(), c.line(), c.name());
      }
    }
    if (r.failed() == 0) {
      out.printf(
          "ok    %s (%d case%s)%n", r.file(), r.cases().size(), r.cases().size() == 1 ? "" : "s");
    } else {
      out.printf("FAIL  %s (%d passed, %d failed)%n", r.file(), r.passed(), r.failed());
    }
  }
}
