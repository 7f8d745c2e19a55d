package io.hubpolicy.model;

/** A profile that did not apply to a request, and why not. */
public record NotApplied(String profile, int order, String reason) {}
