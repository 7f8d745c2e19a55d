package io.hubpolicy.hub;

import io.hubpolicy.testing.Outside;
import io.hubpolicy.testing.PythonUnittest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The Python unit tests of {@code hub/hubpolicy_hooks.py} ({@code hub/tests}), run with the
 * system's Python so that they are part of {@code mvn verify}: each Python test case is a JUnit
 * test, and a case Python skips is reported skipped with Python's reason.
 */
class HubHooksPythonTest {
  /** The number of Python tests: a test that silently disappears fails the suite. */
  static final int EXPECTED_TESTS = 88;

  @TestFactory
  Stream<DynamicNode> hubTests() throws Exception {
    // The hooks need the standard library only; their tests use python3-kubernetes and openssl
    // where they are installed and say so, as skips, where they are not.
    return PythonUnittest.tests(
        Path.of("hub", "tests"), EXPECTED_TESTS, Outside.pythonMissing(), Duration.ofMinutes(3));
  }
}
