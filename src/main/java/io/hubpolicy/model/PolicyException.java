package io.hubpolicy.model;

/**
 * Base of hubpolicy's domain exceptions. Edges (CLI, HTTP) translate the subtypes to exit codes and
 * status codes; nothing inside the core knows about either.
 */
public abstract class PolicyException extends RuntimeException {
  protected PolicyException(String message) {
    super(message);
  }

  protected PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
