package io.hubpolicy.authoring;

import io.hubpolicy.model.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What running one policy test file gave: its problems (then no case ran), or one result per case.
 * {@code notATest}: a YAML file found in a directory without {@code cases:}, skipped.
 */
public record PolicyTestResult(
    Path file, List<Problem> problems, List<Case> cases, boolean notATest) {
  public PolicyTestResult {
    problems = List.copyOf(problems);
    cases = List.copyOf(cases);
  }

  /** One case: passed when nothing differed. */
  public record Case(String name, int line, List<PolicyTestMismatch> mismatches, long nanos) {
    public Case {
      mismatches = List.copyOf(mismatches);
    }

    public boolean passed() {
      return mismatches.isEmpty();
    }

    /** Every mismatch, expected and got on lines of their own. */
    public String describe() {
      return mismatches.stream()
          .map(PolicyTestMismatch::describe)
          .collect(Collectors.joining("\n"));
    }
  }

  public long passed() {
    return cases.stream().filter(Case::passed).count();
  }

  public long failed() {
    return cases.size() - passed();
  }

  public boolean loaded() {
    return problems.isEmpty() && !notATest;
  }
}
