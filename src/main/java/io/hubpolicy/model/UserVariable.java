package io.hubpolicy.model;

/**
 * A variable a user saved for their own servers. A secret one carries no value here: its value
 * lives in the user's Secret and reaches the pod only as a {@code secretKeyRef}.
 */
public record UserVariable(String name, String value, boolean secret) {
  public UserVariable {
    if (secret) {
      value = null;
    }
  }
}
