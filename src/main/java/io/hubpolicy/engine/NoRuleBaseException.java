package io.hubpolicy.engine;

import io.hubpolicy.model.PolicyException;

/** No configuration has loaded yet (the cluster was not reachable, or is still being read). */
public final class NoRuleBaseException extends PolicyException {
  public NoRuleBaseException() {
    super(
        "no configuration has loaded yet; hubpolicy is still reading it (see /readyz and the log)");
  }
}
