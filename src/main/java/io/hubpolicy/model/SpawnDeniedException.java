package io.hubpolicy.model;

import java.util.List;

/** A spawn a rule denied; the message is the rules' reasons, which the user gets to see. */
public class SpawnDeniedException extends PolicyException {
  private final String decisionId;
  private final List<String> reasons;

  public SpawnDeniedException(String decisionId, List<String> reasons) {
    super(message(reasons));
    this.decisionId = decisionId;
    this.reasons = List.copyOf(reasons);
  }

  /** What the user is shown for a denial with these reasons, on every edge alike. */
  public static String message(List<String> reasons) {
    return reasons.isEmpty() ? "denied by policy" : String.join("; ", reasons);
  }

  public String decisionId() {
    return decisionId;
  }

  public List<String> reasons() {
    return reasons;
  }
}
