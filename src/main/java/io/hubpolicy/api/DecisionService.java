package io.hubpolicy.api;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.kube.PreferenceStore;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.mutation.PodMutator;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decide, apply to the pod if one was sent, audit: the one path every edge goes through. The user's
 * saved preferences come from memory (the store's cache), never from the API server.
 */
public final class DecisionService {
  private final DecisionEngine engine;
  private final PodMutator mutator;
  private final AuditLog audit;
  private final PreferenceStore preferences;

  public DecisionService(
      DecisionEngine engine, PodMutator mutator, AuditLog audit, PreferenceStore preferences) {
    this.engine = engine;
    this.mutator = mutator;
    this.audit = audit;
    this.preferences = preferences;
  }

  public DecisionService(DecisionEngine engine, PodMutator mutator, AuditLog audit) {
    this(engine, mutator, audit, null);
  }

  public DecisionEngine engine() {
    return engine;
  }

  /** The decision for a request, with the user's saved variables and GPU choice. */
  public Decision decide(SpawnRequest request) {
    Decision d = preview(request);
    audit.record(d);
    return d;
  }

  /** The same decision, not audited: what the spawn form shows before the user presses Start. */
  public Decision preview(SpawnRequest request) {
    SpawnRequest r =
        preferences == null || request.user() == null
            ? request
            : request.withPreferences(preferences.cached(request.user()));
    return engine.decide(r);
  }

  public ObjectNode decide(DecideCall call, DecisionJson.Explain explain) {
    Decision d = decide(call.request());
    PodMutator.Result pod = call.pod() == null ? null : mutator.apply(call.pod(), d);
    return DecisionJson.toJson(d, pod, explain);
  }
}
