package io.hubpolicy.engine.facts;

import io.hubpolicy.model.RuleException;
import io.hubpolicy.model.Warning;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the rule firing now may act. A rule marked {@code @warn} does not: what it would have
 * done is kept as a {@link Warning}. A rule an active {@link RuleException} names for this user
 * does not either: the exception is kept as applied. Set by the audit listener before each firing,
 * asked by every change a policy rule can make, so that no rule has to know about either.
 */
final class Restraint {
  private String rule;
  private boolean warn;
  private RuleException exempt;
  private final List<Warning> warnings = new ArrayList<>();
  private final Map<String, RuleException> applied = new LinkedHashMap<>();

  void set(String rule, boolean warn, RuleException exempt) {
    this.rule = rule;
    this.warn = warn;
    this.exempt = exempt;
  }

  /** True when the current rule must not act; records what it would have done. */
  boolean withholds(String what) {
    if (exempt != null) {
      applied.putIfAbsent(exempt.name(), exempt);
      return true;
    }
    if (warn) {
      warnings.add(new Warning(rule, what));
      return true;
    }
    return false;
  }

  List<Warning> warnings() {
    return List.copyOf(warnings);
  }

  List<RuleException> applied() {
    return List.copyOf(applied.values());
  }
}
