package io.hubpolicy.services;

import io.hubpolicy.model.PolicyException;

/** A launch that failed; what it had created is already deleted when this is thrown. */
public class ServiceLaunchException extends PolicyException {
  /** Why: a template that cannot be rendered, the cluster refusing, or a value that never came. */
  public enum Cause {
    TEMPLATE,
    CLUSTER,
    TIMEOUT
  }

  private final Cause cause;

  public ServiceLaunchException(Cause cause, String message, Throwable t) {
    super(message, t);
    this.cause = cause;
  }

  public Cause kind() {
    return cause;
  }
}
