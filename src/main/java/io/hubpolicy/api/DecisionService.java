package io.hubpolicy.api;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.model.Decision;
import io.hubpolicy.mutation.PodMutator;
import tools.jackson.databind.node.ObjectNode;

/** Decide, apply to the pod if one was sent, audit: the one path every edge goes through. */
public final class DecisionService {
  private final DecisionEngine engine;
  private final PodMutator mutator;
  private final AuditLog audit;

  public DecisionService(DecisionEngine engine, PodMutator mutator, AuditLog audit) {
    this.engine = engine;
    this.mutator = mutator;
    this.audit = audit;
  }

  public DecisionEngine engine() {
    return engine;
  }

  public ObjectNode decide(DecideCall call, DecisionJson.Explain explain) {
    Decision d = engine.decide(call.request());
    PodMutator.Result pod = call.pod() == null ? null : mutator.apply(call.pod(), d);
    audit.record(d);
    return DecisionJson.toJson(d, pod, explain);
  }
}
