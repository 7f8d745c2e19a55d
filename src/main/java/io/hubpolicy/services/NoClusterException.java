package io.hubpolicy.services;

import io.hubpolicy.model.PolicyException;

/** Launching needs a Kubernetes API; hubpolicy runs without one (file mode). */
public final class NoClusterException extends PolicyException {
  public NoClusterException(String message) {
    super(message);
  }
}
