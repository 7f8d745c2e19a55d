package io.hubpolicy.model;

/** One rule firing, in firing order; {@code profile} names the profile a merge rule applied. */
public record FiredRule(String rule, int salience, String profile) {}
