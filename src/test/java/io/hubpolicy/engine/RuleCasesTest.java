package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.hubpolicy.authoring.PolicyTestCase;
import io.hubpolicy.authoring.PolicyTestFile;
import io.hubpolicy.authoring.PolicyTestResult;
import io.hubpolicy.authoring.PolicyTestRunner;
import io.hubpolicy.model.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the policy tests beside the rules ({@code rules/tests/*.yaml}) through the runner {@code
 * hubpolicy test} uses, one dynamic test per case, so the build and the command never disagree.
 */
class RuleCasesTest {
  private static final Path RULES = Path.of("rules");

  @TestFactory
  Stream<DynamicNode> policyTestsBesideTheRules() {
    List<Problem> problems = new ArrayList<>();
    List<PolicyTestRunner.Candidate> files =
        PolicyTestRunner.discover(List.of(RULES.resolve("tests")), problems);
    assertEquals(List.of(), problems);
    assertFalse(files.isEmpty(), "no policy tests found in rules/tests");
    PolicyTestRunner runner = new PolicyTestRunner(RULES);
    return files.stream().map(f -> file(runner, f));
  }

  private static DynamicNode file(PolicyTestRunner runner, PolicyTestRunner.Candidate c) {
    String name = c.path().getFileName().toString();
    PolicyTestFile.Read read = runner.load(c);
    if (read.tests() == null) {
      return DynamicTest.dynamicTest(
          name,
          () ->
              fail(
                  read.notATest()
                      ? "not a policy test file (no cases:)"
                      : read.problems().stream()
                          .map(Problem::toString)
                          .collect(Collectors.joining("\n"))));
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (PolicyTestCase tc : read.tests().cases()) {
      tests.add(
          DynamicTest.dynamicTest(
              tc.name(),
              () -> {
                PolicyTestResult.Case r = PolicyTestRunner.run(read.tests(), tc);
                if (!r.passed()) {
                  fail(c.path() + ":" + tc.line() + ": " + tc.name() + "\n" + r.describe());
                }
              }));
    }
    return DynamicContainer.dynamicContainer(name, tests);
  }
}
