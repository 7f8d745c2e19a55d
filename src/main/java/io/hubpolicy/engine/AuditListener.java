package io.hubpolicy.engine;

import io.hubpolicy.engine.facts.ChosenSize;
import io.hubpolicy.engine.facts.GpuChoice;
import io.hubpolicy.engine.facts.Outcome;
import io.hubpolicy.engine.facts.OwnVariable;
import io.hubpolicy.engine.facts.ProfileMatch;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.Actor.Kind;
import io.hubpolicy.model.RuleException;
import java.util.List;
import org.kie.api.definition.rule.Rule;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.rule.Match;

/**
 * Records every rule firing (name, salience, firing order) and tells the outcome who is acting, so
 * that rule bodies never do their own bookkeeping and cannot forget it. Who acts is read from the
 * facts the rule matched: a profile, the chosen size, the user's choice; otherwise the rule itself,
 * with the file and line it is written at.
 */
final class AuditListener extends DefaultAgendaEventListener {
  /** The DRL metadata that puts a rule in warn mode: {@code rule "Name" @warn when ... end}. */
  static final String WARN = "warn";

  private final Outcome outcome;
  private final RuleBase rb;
  private final List<RuleException> exceptions;

  /**
   * @param exceptions the exceptions active for this request's user now
   */
  AuditListener(Outcome outcome, RuleBase rb, List<RuleException> exceptions) {
    this.outcome = outcome;
    this.rb = rb;
    this.exceptions = exceptions;
  }

  @Override
  public void beforeMatchFired(BeforeMatchFiredEvent event) {
    Match m = event.getMatch();
    outcome.actingAs(actor(m));
    String name = m.getRule().getName();
    RuleException exempt = null;
    for (RuleException e : exceptions) {
      if (e.rules().contains(name)) {
        exempt = e;
        break;
      }
    }
    outcome.restrain(name, m.getRule().getMetaData().containsKey(WARN), exempt);
  }

  @Override
  public void afterMatchFired(AfterMatchFiredEvent event) {
    outcome.recordFired();
  }

  private Actor actor(Match m) {
    Rule rule = m.getRule();
    String ruleSource = rb.ruleSource(rule.getPackageName(), rule.getName());
    int salience = m.getSalience();
    for (Object o : m.getObjects()) {
      if (o instanceof ProfileMatch pm) {
        return new Actor(
            rule.getName(),
            salience,
            pm.getName(),
            Kind.PROFILE,
            pm.getName(),
            pm.getProfile().source().toString(),
            ruleSource);
      }
      if (o instanceof ChosenSize cs) {
        return new Actor(
            rule.getName(),
            salience,
            null,
            Kind.SIZE,
            cs.getSize().name(),
            cs.getSize().source().toString(),
            ruleSource);
      }
      if (o instanceof OwnVariable v) {
        return new Actor(
            rule.getName(), salience, null, Kind.CHOICE, "env " + v.getName(), null, ruleSource);
      }
      if (o instanceof GpuChoice) {
        return new Actor(rule.getName(), salience, null, Kind.CHOICE, "gpu", null, ruleSource);
      }
    }
    return new Actor(
        rule.getName(), salience, null, Kind.RULE, rule.getName(), ruleSource, ruleSource);
  }
}
