package io.hubpolicy.engine;

import io.hubpolicy.engine.facts.Outcome;
import io.hubpolicy.engine.facts.ProfileMatch;
import io.hubpolicy.model.Actor;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.rule.Match;

/**
 * Records every rule firing (name, salience, firing order) and tells the outcome who is acting, so
 * that rule bodies never do their own bookkeeping and cannot forget it.
 */
final class AuditListener extends DefaultAgendaEventListener {
  private final Outcome outcome;

  AuditListener(Outcome outcome) {
    this.outcome = outcome;
  }

  @Override
  public void beforeMatchFired(BeforeMatchFiredEvent event) {
    Match m = event.getMatch();
    outcome.actingAs(new Actor(m.getRule().getName(), m.getSalience(), profileOf(m)));
  }

  @Override
  public void afterMatchFired(AfterMatchFiredEvent event) {
    outcome.recordFired();
  }

  private static String profileOf(Match m) {
    for (Object o : m.getObjects()) {
      if (o instanceof ProfileMatch pm) {
        return pm.getName();
      }
    }
    return null;
  }
}
