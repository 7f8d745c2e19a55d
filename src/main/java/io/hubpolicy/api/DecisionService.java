package io.hubpolicy.api;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.preferences.PreferenceStore;
import io.hubpolicy.services.PlannedService;
import io.hubpolicy.services.ServiceNames;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.ServiceTarget;
import java.util.List;

/**
 * Decide, apply to the pod if one was sent, audit: the one path every edge goes through. The user's
 * saved preferences come from memory (the store's cache), never from the API server.
 */
public final class DecisionService {
  private final DecisionEngine engine;
  private final PodMutator mutator;
  private final AuditLog audit;
  private final PreferenceStore preferences;
  private final ServicePlanner planner;
  private final String servicesNamespace;
  private final String hubInstance;
  private final boolean planReadsCluster;

  /**
   * @param preferences where users' saved choices come from ({@link PreferenceStore#NONE}: none)
   */
  public DecisionService(
      DecisionEngine engine, PodMutator mutator, AuditLog audit, PreferenceStore preferences) {
    this(engine, mutator, audit, preferences, null, null, ServiceNames.DEFAULT_HUB_INSTANCE, false);
  }

  private DecisionService(
      DecisionEngine engine,
      PodMutator mutator,
      AuditLog audit,
      PreferenceStore preferences,
      ServicePlanner planner,
      String servicesNamespace,
      String hubInstance,
      boolean planReadsCluster) {
    this.engine = engine;
    this.mutator = mutator;
    this.audit = audit;
    this.preferences = preferences;
    this.planner = planner;
    this.servicesNamespace = servicesNamespace;
    this.hubInstance = hubInstance;
    this.planReadsCluster = planReadsCluster;
  }

  /**
   * The same service, also rendering each decision's services (into {@code
   * services.<name>.manifests}) as they would be created in {@code namespace}.
   *
   * @param readsCluster whether rendering may wait on the API server (the first read of a template
   *     ConfigMap), so that callers keep it off an event loop
   */
  public DecisionService withServices(
      ServicePlanner planner, String namespace, boolean readsCluster) {
    return withServices(planner, namespace, ServiceNames.DEFAULT_HUB_INSTANCE, readsCluster);
  }

  /**
   * The same, for the hub deployment {@code hubInstance} (KubeTemplateSpawner's {@code
   * instance_name}: the {@code instance} variable and {@code app.kubernetes.io/instance} label).
   */
  public DecisionService withServices(
      ServicePlanner planner, String namespace, String hubInstance, boolean readsCluster) {
    ServiceNames.checkHubInstance(hubInstance);
    return new DecisionService(
        engine, mutator, audit, preferences, planner, namespace, hubInstance, readsCluster);
  }

  /** The hub deployment whose user servers' services these are. */
  public String hubInstance() {
    return hubInstance;
  }

  public PodMutator mutator() {
    return mutator;
  }

  /**
   * The objects a decision's services would create for this user server; empty without any. The
   * request's {@code userId} is the templates' {@code userid}: without one, a template that uses it
   * fails saying so.
   */
  public List<PlannedService> plan(Decision d, String server) {
    if (planner == null || d.services().isEmpty()) {
      return List.of();
    }
    return planner.plan(d.services(), target(d, server, servicesNamespace));
  }

  /** Whose services a decision's are, created in {@code namespace}. */
  public ServiceTarget target(Decision d, String server, String namespace) {
    return new ServiceTarget(d.user(), server, namespace, hubInstance, d.request().userId());
  }

  public DecisionService(DecisionEngine engine, PodMutator mutator, AuditLog audit) {
    this(engine, mutator, audit, PreferenceStore.NONE);
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

  /** Appends a decision to the audit log (for callers that decide with {@link #preview}). */
  public void audit(Decision d) {
    audit.record(d);
  }

  /** The same decision, not audited: what the spawn form shows before the user presses Start. */
  public Decision preview(SpawnRequest request) {
    SpawnRequest r =
        request.user() == null
            ? request
            : request.withPreferences(preferences.cached(request.user()));
    return engine.decide(r);
  }

  /**
   * How many GPUs the profiles grant for this request, before any count the user chose or saved:
   * the most the spawn form may offer. Not audited.
   */
  public int gpuGrant(SpawnRequest request) {
    return engine.decide(request.withPreferences(UserPreferences.NONE).withGpu(null, null)).gpu();
  }

  /** Decides and shows the manifests the decision's services would create; launches nothing. */
  public Answer decide(DecideCall call, DecisionJson.Explain explain) {
    return answer(decide(call.request()), call, explain);
  }

  /** A decision's answer: applied to the call's pod, with its services' manifests. */
  public Answer answer(Decision d, DecideCall call, DecisionJson.Explain explain) {
    PodMutator.Result pod = call.pod() == null ? null : mutator.apply(call.pod(), d);
    return new Answer(AnswerJson.bytes(d, pod, explain, plan(d, call.server())));
  }

  /**
   * A decision's audit log line; may read the log file.
   *
   * @throws AuditLog.NotFoundException if the log does not have it
   * @throws AuditLog.OffException if there is no log
   */
  public String audited(String decisionId) {
    return audit.find(decisionId).orElseThrow(() -> new AuditLog.NotFoundException(decisionId));
  }

  /**
   * The audited decisions a query selects, newest first: one page, from the shared store when there
   * is one, else from the audit file; may read either.
   *
   * @throws AuditLog.OffException if there is no log
   */
  public DecisionPage history(DecisionQuery q) {
    return audit.query(q);
  }

  /** Whether answering {@code d} may wait on the API server (a template not read before). */
  public boolean answerMayBlock(Decision d) {
    return planReadsCluster && !d.services().isEmpty();
  }
}
