package io.hubpolicy.api.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.LaunchService;
import io.hubpolicy.api.OptionsService;
import io.hubpolicy.api.grpc.v1.DecideRequest;
import io.hubpolicy.api.grpc.v1.DecideResponse;
import io.hubpolicy.api.grpc.v1.Decision;
import io.hubpolicy.api.grpc.v1.EnvVar;
import io.hubpolicy.api.grpc.v1.Explain;
import io.hubpolicy.api.grpc.v1.GetDecisionRequest;
import io.hubpolicy.api.grpc.v1.GetDecisionResponse;
import io.hubpolicy.api.grpc.v1.LaunchRequest;
import io.hubpolicy.api.grpc.v1.LaunchResponse;
import io.hubpolicy.api.grpc.v1.OptionsRequest;
import io.hubpolicy.api.grpc.v1.OptionsResponse;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import io.hubpolicy.api.grpc.v1.Service;
import io.hubpolicy.api.grpc.v1.StopRequest;
import io.hubpolicy.api.grpc.v1.StopResponse;
import io.hubpolicy.model.InvalidRequestException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The calls of {@code hubpolicy.v1.Policy}: each builds the call HTTP would build, asks the same
 * service, and turns the same JSON answer into its reply, so the edges cannot drift apart.
 */
final class PolicyService extends PolicyGrpc.PolicyImplBase {
  private final DecisionService decisions;
  private final LaunchService launches;
  private final OptionsService options;
  private final ExecutorService blocking;

  /**
   * @param launches null: Launch and Stop are UNIMPLEMENTED
   * @param options null: Options is UNIMPLEMENTED
   * @param blocking where calls that may wait on the API server or the disk run, so that they
   *     cannot hold up decisions
   */
  PolicyService(
      DecisionService decisions,
      LaunchService launches,
      OptionsService options,
      ExecutorService blocking) {
    this.decisions = decisions;
    this.launches = launches;
    this.options = options;
    this.blocking = blocking;
  }

  @Override
  public void decide(DecideRequest req, StreamObserver<DecideResponse> out) {
    DecideCall call;
    DecisionJson.Explain explain;
    io.hubpolicy.model.Decision d;
    try {
      call =
          DecideCall.of(
              req.getUser(),
              req.getGroupsList(),
              req.getImage(),
              req.getSize(),
              req.getServer(),
              req.getPod());
      explain = explain(req.getExplain(), req.getExplainValue());
      d = decisions.decide(call.request());
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    Supplier<DecideResponse> answer =
        () -> {
          ObjectNode json = decisions.answer(d, call, explain);
          return DecideResponse.newBuilder()
              .setDecision(decision(json))
              .setJson(DecisionJson.compact(json))
              .build();
        };
    if (decisions.answerMayBlock(d)) {
      blocking(out, answer);
    } else {
      answer(out, answer);
    }
  }

  @Override
  public void launch(LaunchRequest req, StreamObserver<LaunchResponse> out) {
    if (launches == null) {
      out.onError(unimplemented("launch services"));
      return;
    }
    blocking(
        out,
        () -> {
          DecideCall call =
              DecideCall.of(
                  req.getUser(),
                  req.getGroupsList(),
                  req.getImage(),
                  req.getSize(),
                  req.getServer(),
                  req.getPod());
          ObjectNode json = launches.launch(call, explain(req.getExplain(), req.getExplainValue()));
          return LaunchResponse.newBuilder()
              .setDecision(decision(json))
              .setServer(text(json.get("server")))
              .setAnchor(text(json.get("anchor")))
              .setJson(DecisionJson.compact(json))
              .build();
        });
  }

  @Override
  public void stop(StopRequest req, StreamObserver<StopResponse> out) {
    if (launches == null) {
      out.onError(unimplemented("stop services"));
      return;
    }
    blocking(
        out,
        () -> {
          ObjectNode json = launches.stop(req.getUser(), req.getServer(), req.getEvent());
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
    if (options == null) {
      out.onError(unimplemented("offer spawn options"));
      return;
    }
    blocking(
        out,
        () -> {
          ObjectNode json = options.options(req.getUser(), req.getGroupsList());
          return OptionsResponse.newBuilder()
              .setRevision(text(json.get("revision")))
              .setSelectedImage(text(json.path("selected").get("image")))
              .setSelectedSize(text(json.path("selected").get("size")))
              .setJson(DecisionJson.compact(json))
              .build();
        });
  }

  @Override
  public void getDecision(GetDecisionRequest req, StreamObserver<GetDecisionResponse> out) {
    blocking(
        out,
        () -> {
          String id = req.getDecisionId();
          if (id.isBlank()) {
            throw new InvalidRequestException("decision_id", "decision_id is required");
          }
          return GetDecisionResponse.newBuilder()
              .setDecisionId(id)
              .setAuditLine(decisions.audited(id))
              .build();
        });
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

  private <T> void blocking(StreamObserver<T> out, Supplier<T> work) {
    Context context = Context.current();
    try {
      blocking.execute(
          context.wrap(
              () -> {
                // The caller gave up (deadline, cancel) while this waited for a thread.
                if (!context.isCancelled()) {
                  answer(out, work);
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

  private static RuntimeException unimplemented(String what) {
    return Status.UNIMPLEMENTED
        .withDescription("this hubpolicy does not " + what)
        .asRuntimeException();
  }

  static DecisionJson.Explain explain(Explain e, int number) {
    return switch (e) {
      case EXPLAIN_UNSPECIFIED, EXPLAIN_FULL -> DecisionJson.Explain.FULL;
      case EXPLAIN_FIELDS -> DecisionJson.Explain.FIELDS;
      case EXPLAIN_NONE -> DecisionJson.Explain.NONE;
      case UNRECOGNIZED ->
          throw new InvalidRequestException(
              "explain",
              "explain must be EXPLAIN_FULL, EXPLAIN_FIELDS or EXPLAIN_NONE; got " + number);
    };
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
