package io.hubpolicy.model;

/** Who set a value: the rule that fired, its salience, and the profile it applied (if any). */
public record Actor(String rule, int salience, String profile) {
  @Override
  public String toString() {
    return profile == null
        ? "rule '" + rule + "'"
        : "profile '" + profile + "' (rule '" + rule + "')";
  }
}
