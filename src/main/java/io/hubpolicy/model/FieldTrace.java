package io.hubpolicy.model;

import java.util.List;

/**
 * Why a field of the decision has its value: who set it last, and every earlier value it replaced
 * (oldest first).
 */
public record FieldTrace(String field, Object value, Actor setBy, List<Overridden> overrode) {
  public FieldTrace {
    overrode = List.copyOf(overrode);
  }

  /** A value that a later writer replaced. */
  public record Overridden(Object value, Actor setBy) {}
}
