package io.hubpolicy.api.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.api.Reply;
import io.hubpolicy.api.grpc.v1.DecideRequest;
import io.hubpolicy.api.grpc.v1.DecideResponse;
import io.hubpolicy.api.grpc.v1.Decision;
import io.hubpolicy.api.grpc.v1.EnvVar;
import io.hubpolicy.api.grpc.v1.Explain;
import io.hubpolicy.api.grpc.v1.GetDecisionRequest;
import io.hubpolicy.api.grpc.v1.GetDecisionResponse;
import io.hubpolicy.api.grpc.v1.LaunchRequest;
import io.hubpolicy.api.grpc.v1.LaunchResponse;
import io.hubpolicy.api.grpc.v1.ListDecisionsRequest;
import io.hubpolicy.api.grpc.v1.ListDecisionsResponse;
import io.hubpolicy.api.grpc.v1.OptionsRequest;
import io.hubpolicy.api.grpc.v1.OptionsResponse;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import io.hubpolicy.api.grpc.v1.Service;
import io.hubpolicy.api.grpc.v1.StopRequest;
import io.hubpolicy.api.grpc.v1.StopResponse;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The calls of {@code hubpolicy.v1.Policy}: each builds the call HTTP would build, asks the same
 * use case of {@link PolicyCalls}, and turns the same JSON answer into its reply, so the edges
 * cannot drift apart.
 */
final class PolicyService extends PolicyGrpc.PolicyImplBase {
  private final PolicyCalls calls;
  private final ExecutorService blocking;

  /**
   * @param blocking where replies that may wait on the API server or the disk run, so that they
   *     cannot hold up decisions
   */
  PolicyService(PolicyCalls calls, ExecutorService blocking) {
    this.calls = calls;
    this.blocking = blocking;
  }

  @Override
  public void decide(DecideRequest req, StreamObserver<DecideResponse> out) {
    serve(
        out,
        () ->
            calls.decide(
                call(req),
                explain(req.getExplain(), req.getExplainValue(), req.getOffset(), req.getLimit())),
        answer ->
            DecideResponse.newBuilder()
                .setDecision(decision(answer.tree()))
                .setJson(answer.text())
                .build());
  }

  @Override
  public void preview(DecideRequest req, StreamObserver<DecideResponse> out) {
    serve(out, () -> calls.preview(call(req)), PolicyService::decideResponse);
  }

  private static DecideResponse decideResponse(ObjectNode json) {
    return DecideResponse.newBuilder()
        .setDecision(decision(json))
        .setJson(DecisionJson.compact(json))
        .build();
  }

  @Override
  public void launch(LaunchRequest req, StreamObserver<LaunchResponse> out) {
    serve(
        out,
        () ->
            calls.launch(
                DecideCall.of(
                    req.getUser(),
                    req.getGroupsList(),
                    req.getImage(),
                    req.getSize(),
                    req.getServer(),
                    req.getPod(),
                    req.hasGpu() ? req.getGpu().getValue() : null,
                    req.getGpuType(),
                    req.hasUserId() ? req.getUserId().getValue() : null),
                explain(req.getExplain(), req.getExplainValue(), req.getOffset(), req.getLimit())),
        json ->
            LaunchResponse.newBuilder()
                .setDecision(decision(json))
                .setServer(text(json.get("server")))
                .setAnchor(text(json.get("anchor")))
                .setJson(DecisionJson.compact(json))
                .build());
  }

  @Override
  public void stop(StopRequest req, StreamObserver<StopResponse> out) {
    serve(
        out,
        () -> calls.stop(req.getUser(), req.getServer(), req.getEvent()),
        json -> {
          StopResponse.Builder b =
              StopResponse.newBuilder()
                  .setUser(text(json.get("user")))
                  .setServer(text(json.get("server")))
                  .setEvent(text(json.get("event")));
          json.path("deleted").forEach(n -> b.addDeleted(n.asString()));
          json.path("kept").forEach(n -> b.addKept(n.asString()));
          return b.build();
        });
  }

  @Override
  public void options(OptionsRequest req, StreamObserver<OptionsResponse> out) {
    serve(
        out,
        () ->
            calls.options(
                RequestFields.user(req.getUser(), "user"),
                RequestFields.groups(req.getGroupsList(), "groups")),
        json ->
            OptionsResponse.newBuilder()
                .setRevision(text(json.get("revision")))
                .setSelectedImage(text(json.path("selected").get("image")))
                .setSelectedSize(text(json.path("selected").get("size")))
                .setJson(DecisionJson.compact(json))
                .build());
  }

  @Override
  public void getDecision(GetDecisionRequest req, StreamObserver<GetDecisionResponse> out) {
    serve(
        out,
        () -> calls.lookup(RequestFields.decisionId(req.getDecisionId(), "decision_id")),
        line ->
            GetDecisionResponse.newBuilder()
                .setDecisionId(req.getDecisionId())
                .setAuditLine(line)
                .build());
  }

  @Override
  public void listDecisions(ListDecisionsRequest req, StreamObserver<ListDecisionsResponse> out) {
    serve(
        out,
        () -> {
          Map<String, String> p = new java.util.HashMap<>();
          p.put("user", req.getUser());
          p.put("group", req.getGroup());
          p.put("image", req.getImage());
          p.put("size", req.getSize());
          p.put("allowed", req.hasAllowed() ? String.valueOf(req.getAllowed().getValue()) : null);
          p.put("rule", req.getRule());
          p.put("since", req.getSince());
          p.put("until", req.getUntil());
          p.put("limit", req.getLimit() == 0 ? null : String.valueOf(req.getLimit()));
          p.put("cursor", req.getCursor());
          return calls.history(DecisionQuery.parse(p::get));
        },
        page ->
            ListDecisionsResponse.newBuilder()
                .addAllRecords(page.records())
                .setNext(page.next() == null ? "" : page.next().encode())
                .setJson(page.json())
                .build());
  }

  /** A decide, launch or preview request as the call HTTP would build from its body. */
  private static DecideCall call(DecideRequest req) {
    return DecideCall.of(
        req.getUser(),
        req.getGroupsList(),
        req.getImage(),
        req.getSize(),
        req.getServer(),
        req.getPod(),
        req.hasGpu() ? req.getGpu().getValue() : null,
        req.getGpuType(),
        req.hasUserId() ? req.getUserId().getValue() : null);
  }

  /**
   * Runs a use case: a reply that cannot block on this call thread, one that may on the blocking
   * pool; a failure, thrown while calling or while answering, becomes its status.
   */
  private <T, R> void serve(
      StreamObserver<R> out, Supplier<Reply<T>> call, Function<T, R> toResponse) {
    Reply<T> reply;
    try {
      reply = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    if (!reply.mayBlock()) {
      answer(out, () -> toResponse.apply(reply.get()));
      return;
    }
    Context context = Context.current();
    try {
      blocking.execute(
          context.wrap(
              () -> {
                // The caller gave up (deadline, cancel) while this waited for a thread.
                if (!context.isCancelled()) {
                  answer(out, () -> toResponse.apply(reply.get()));
                }
              }));
    } catch (RejectedExecutionException e) {
      out.onError(
          (blocking.isShutdown()
                  ? Status.UNAVAILABLE.withDescription("hubpolicy is shutting down")
                  : Status.RESOURCE_EXHAUSTED.withDescription(
                      "too many calls are waiting for the cluster or the disk; retry later"))
              .asRuntimeException());
    }
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> work) {
    T reply;
    try {
      reply = work.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }

  /** The level and page, checked as HTTP checks {@code ?explain=&offset=&limit=}. */
  static DecisionJson.Explain explain(Explain e, int number, int offset, int limit) {
    DecisionJson.Explain.Level level =
        switch (e) {
          case EXPLAIN_UNSPECIFIED, EXPLAIN_CLOSE -> DecisionJson.Explain.Level.CLOSE;
          case EXPLAIN_FULL -> DecisionJson.Explain.Level.FULL;
          case EXPLAIN_FIELDS -> DecisionJson.Explain.Level.FIELDS;
          case EXPLAIN_NONE -> DecisionJson.Explain.Level.NONE;
          case UNRECOGNIZED ->
              throw new InvalidRequestException(
                  "explain",
                  "explain must be EXPLAIN_CLOSE, EXPLAIN_FULL, EXPLAIN_FIELDS or EXPLAIN_NONE; got "
                      + number);
        };
    return DecisionJson.Explain.of(level, offset, limit);
  }

  /** The typed core of a decision answer (decide or launch JSON). */
  static Decision decision(ObjectNode json) {
    Decision.Builder b =
        Decision.newBuilder()
            .setDecisionId(text(json.get("decisionId")))
            .setRevision(text(json.get("revision")))
            .setUser(text(json.get("user")))
            .setImage(text(json.get("image")))
            .setSize(text(json.get("size")))
            .setAllowed(json.path("allowed").asBoolean(false))
            .setGpu(json.path("gpu").asInt(0));
    json.path("reasons").forEach(n -> b.addReasons(n.asString()));
    json.path("profiles").forEach(n -> b.addProfiles(n.asString()));
    for (JsonNode e : json.path("env")) {
      EnvVar.Builder v = EnvVar.newBuilder().setName(text(e.get("name")));
      JsonNode from = e.get("valueFrom");
      if (from != null && !from.isNull()) {
        v.setValueFromJson(DecisionJson.compact(from));
      } else {
        v.setValue(text(e.get("value")));
      }
      b.addEnv(v);
    }
    for (Map.Entry<String, JsonNode> s : json.path("services").properties()) {
      Service.Builder service =
          Service.newBuilder().setName(s.getKey()).setError(text(s.getValue().get("error")));
      s.getValue()
          .path("returned")
          .properties()
          .forEach(r -> service.putReturned(r.getKey(), text(r.getValue())));
      b.addServices(service);
    }
    if (json.has("pod")) {
      b.setPod(DecisionJson.compact(json.get("pod")));
      b.setPatch(DecisionJson.compact(json.get("patch")));
    }
    return b.build();
  }

  /** A JSON string as protobuf text: absent and null are the empty string. */
  private static String text(JsonNode n) {
    return n == null || n.isNull() ? "" : n.asString();
  }
}
