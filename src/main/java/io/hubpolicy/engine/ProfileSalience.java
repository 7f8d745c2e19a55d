package io.hubpolicy.engine;

import io.hubpolicy.engine.facts.ProfileMatch;
import java.util.Map;
import org.drools.base.base.ValueResolver;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Declaration;
import org.drools.base.rule.accessor.Salience;
import org.kie.api.KieBase;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.rule.Match;

/**
 * The merge rule's salience ({@code salience ( $m.getSalience() )} in {@code profiles.drl}) read
 * straight from its {@link ProfileMatch} instead of through MVEL. The rule fires once per matching
 * profile in every decision, and MVEL made a variable factory and resolvers for each firing: a
 * quarter of what the engine allocated per decision at 10,000 profiles (BENCHMARKS.md §3). The
 * value is the same, so is the firing order: the DRL stays the readable definition, and tests
 * assert the fired rules and their saliences as before.
 */
final class ProfileSalience implements Salience {
  static final String PACKAGE = "hubpolicy.profiles";
  static final String RULE = "Apply matching profile";

  private final Salience compiled;

  private ProfileSalience(Salience compiled) {
    this.compiled = compiled;
  }

  /** Replaces the merge rule's compiled salience in a new KieBase, before any session exists. */
  static void install(KieBase kbase) {
    Rule rule = kbase.getRule(PACKAGE, RULE);
    if (!(rule instanceof RuleImpl impl) || !impl.getSalience().isDynamic()) {
      // Only ever the engine's own profiles.drl: a change there must change this class too.
      throw new IllegalStateException(
          "the rule '" + RULE + "' in " + PACKAGE + " is missing or has a fixed salience");
    }
    if (!(impl.getSalience() instanceof ProfileSalience)) {
      impl.setSalience(new ProfileSalience(impl.getSalience()));
    }
  }

  @Override
  public int getValue(Match match, Rule rule, ValueResolver resolver) {
    return ((ProfileMatch) match.getDeclarationValue("$m")).getSalience();
  }

  @Override
  public int getValue() {
    return compiled.getValue();
  }

  @Override
  public boolean isDynamic() {
    return true;
  }

  @Override
  public Declaration[] findDeclarations(Map<String, Declaration> declarations) {
    return compiled.findDeclarations(declarations);
  }
}
