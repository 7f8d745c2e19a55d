package io.hubpolicy.api;

import io.hubpolicy.catalog.Catalogs;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.preferences.PreferencesService;
import java.util.List;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every use case the edges offer, one method each: HTTP, gRPC (and the spawn form, through HTTP)
 * call these and nothing below them, so a use case is written once. Each answers a {@link Reply}
 * that says whether it may block; a failure is thrown and classified by {@link Failure#of}.
 *
 * <p>Built by the composition root from parts that always exist: a feature that is off is a null
 * object inside them (no cluster: a launcher that refuses; no audit log: one that keeps nothing).
 */
public final class PolicyCalls {
  private final DecisionService decisions;
  private final LaunchService launches;
  private final OptionsService options;
  private final PreferencesService preferences;
  private final Catalogs catalogs;
  private final AdmissionService admission;
  private final PolicyReloader reloader;

  public PolicyCalls(
      DecisionService decisions,
      LaunchService launches,
      OptionsService options,
      PreferencesService preferences,
      Catalogs catalogs,
      AdmissionService admission,
      PolicyReloader reloader) {
    this.decisions = decisions;
    this.launches = launches;
    this.options = options;
    this.preferences = preferences;
    this.catalogs = catalogs;
    this.admission = admission;
    this.reloader = reloader;
  }

  /**
   * Decides (audited) and answers with the decision applied to the call's pod and its services'
   * manifests. The decision itself takes microseconds and happens now; the answer may block when
   * rendering a service has to read a template from the cluster, and a full explanation pages
   * through every profile, so that one runs as blocking work from the start. The default
   * explanation (the profiles that came close) costs about what the decision costs: no worker.
   */
  public Reply<Answer> decide(DecideCall call, DecisionJson.Explain explain) {
    if (explain.level() == DecisionJson.Explain.Level.FULL) {
      return Reply.blocking(() -> decisions.decide(call, explain));
    }
    Decision d = decisions.decide(call.request());
    return decisions.answerMayBlock(d)
        ? Reply.blocking(() -> decisions.answer(d, call, explain))
        : Reply.now(() -> decisions.answer(d, call, explain));
  }

  /**
   * What the spawn form shows before Start: the decision the choices would give, with who set each
   * field, and a denial as an answer (allowed false, its reasons), not an error. Never audited; no
   * pod, no services launched or rendered.
   */
  public Reply<ObjectNode> preview(DecideCall call) {
    // What the form shows needs no explanation: as cheap as the hub's own decision.
    return preview(call, DecisionJson.Explain.NONE);
  }

  /**
   * The same preview explained to {@code explain}'s level, and applied to the call's pod when it
   * has one (the console's what-if): still never audited, and no service is launched or rendered. A
   * full explanation pages through every profile, so that one runs as blocking work.
   */
  public Reply<ObjectNode> preview(DecideCall call, DecisionJson.Explain explain) {
    java.util.function.Supplier<ObjectNode> work =
        () -> {
          Decision d = decisions.preview(call.request());
          PodMutator.Result pod =
              call.pod() == null ? null : decisions.mutator().apply(call.pod(), d);
          ObjectNode json = DecisionJson.toJson(d, pod, explain);
          // The most GPUs the form may offer for these choices: what the profiles grant before
          // the user's own count. Without one the decision's count is the grant; with one it
          // takes a second decision (microseconds).
          json.put(
              "gpuGrant",
              d.request().requestedGpu() == null ? d.gpu() : decisions.gpuGrant(call.request()));
          return json;
        };
    return explain.level() == DecisionJson.Explain.Level.FULL
        ? Reply.blocking(work)
        : Reply.now(work);
  }

  /** Decides, creates the decision's services and answers with what they returned. */
  public Reply<ObjectNode> launch(DecideCall call, DecisionJson.Explain explain) {
    return Reply.blocking(() -> launches.launch(call, explain));
  }

  /** Ends the lifecycle {@code event} of a user server's services. */
  public Reply<ObjectNode> stop(String user, String server, String event) {
    return Reply.blocking(() -> launches.stop(user, server, event));
  }

  /** What the spawn form offers this user, with the decision their choices give now. */
  public Reply<ObjectNode> options(String user, List<String> groups) {
    return Reply.blocking(() -> options.options(user, groups));
  }

  /** A decision's audit line, by id; may read the audit file back. */
  public Reply<String> lookup(String decisionId) {
    if (decisionId == null || decisionId.isBlank()) {
      throw new InvalidRequestException("decision_id", "decision_id is required");
    }
    return Reply.blocking(() -> decisions.audited(decisionId));
  }

  /**
   * A page of audited decisions, newest first, from the shared store or the audit file (as JSON:
   * {@link DecisionPage#json}).
   */
  public Reply<DecisionPage> history(DecisionQuery q) {
    return Reply.blocking(() -> decisions.history(q));
  }

  /** The admission webhook: an AdmissionReview answered from memory. */
  public Reply<ObjectNode> admission(String review) {
    return Reply.now(() -> admission.review(review));
  }

  public Reply<ObjectNode> config() {
    return Reply.now(() -> ConfigView.json(ruleBase(), reloader.status()));
  }

  public Reply<ObjectNode> images() {
    return Reply.now(() -> catalogs.images(ruleBase()));
  }

  public Reply<ObjectNode> sizes() {
    return Reply.now(
        () -> {
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          o.set("sizes", catalogs.sizes(ruleBase()));
          return o;
        });
  }

  public Reply<ObjectNode> preferences(String user) {
    return Reply.blocking(() -> preferences.get(user));
  }

  public Reply<ObjectNode> savePreferences(String user, List<String> groups, String body) {
    return Reply.blocking(() -> preferences.put(user, groups, body));
  }

  /** The serving revision, or null until a first configuration has loaded. */
  public String readyRevision() {
    RuleBase rb = decisions.engine().ruleBaseOrNull();
    return rb == null ? null : rb.revision();
  }

  /**
   * The rule base serving now (what the console's diff compares a candidate with).
   *
   * @throws io.hubpolicy.engine.NoRuleBaseException until a first configuration has loaded
   */
  public RuleBase serving() {
    return ruleBase();
  }

  private RuleBase ruleBase() {
    return decisions.engine().ruleBase();
  }
}
