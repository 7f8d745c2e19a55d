package io.hubpolicy.console;

import java.util.Map;

/**
 * Where the History and Diff pages read recorded decisions: the same query the API answers ({@code
 * GET /v1/decisions} and {@code GET /v1/decisions/{id}}), given by the composition root.
 */
public interface DecisionHistory {
  /**
   * One page, newest first: {@code {"decisions":[RECORD…],"next":cursor|null}}.
   *
   * @param filters {@code user group image size allowed rule since until limit cursor}, each
   *     optional; a wrong one is an {@link io.hubpolicy.model.InvalidRequestException} naming it
   */
  String search(Map<String, String> filters);

  /**
   * One decision's audit record, as JSON.
   *
   * @throws io.hubpolicy.model.PolicyException (not found, no audit log) saying why not
   */
  String get(String decisionId);
}
