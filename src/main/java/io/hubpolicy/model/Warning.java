package io.hubpolicy.model;

/**
 * What a policy rule in warn mode (DRL metadata {@code @warn}) would have done, and did not: the
 * denial's reason, or the cap or change it would have made.
 */
public record Warning(String rule, String reason) {}
