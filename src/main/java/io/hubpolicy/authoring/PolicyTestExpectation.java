package io.hubpolicy.authoring;

import io.hubpolicy.model.Decision;
import java.util.List;

/** One expectation of a policy test case, checked against the decision. */
@FunctionalInterface
public interface PolicyTestExpectation {
  /** Adds a mismatch to {@code out} for every way {@code d} differs from what is expected. */
  void check(Decision d, List<PolicyTestMismatch> out);
}
