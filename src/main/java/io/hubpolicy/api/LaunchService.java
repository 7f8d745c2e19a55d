package io.hubpolicy.api;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.SpawnDeniedException;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.Launcher;
import io.hubpolicy.services.NoClusterException;
import io.hubpolicy.services.PlannedService;
import io.hubpolicy.services.ServiceLaunchException;
import io.hubpolicy.services.ServiceLauncher;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A spawn's side services: decide (audited), launch what the decision's services render to, and
 * answer with the decision whose env (and pod, if one was sent) carries the values they returned.
 */
public final class LaunchService {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final DecisionService decisions;
  private final Launcher launcher;
  private final MeterRegistry meters;

  /**
   * @param launcher {@link Launcher#none} without a cluster: a spawn without services still gets
   *     its decision, one with services fails with {@link NoClusterException}
   * @param meters where {@code hubpolicy.launches{result}}, {@code hubpolicy.launch.duration} and
   *     {@code hubpolicy.stops{event}} are counted
   */
  public LaunchService(DecisionService decisions, Launcher launcher, MeterRegistry meters) {
    this.decisions = decisions;
    this.launcher = launcher;
    this.meters = meters;
  }

  public ObjectNode launch(DecideCall call, DecisionJson.Explain explain) {
    long start = System.nanoTime();
    String result = "error";
    try {
      ObjectNode json = launchOrThrow(call, explain);
      result = json.has("anchor") ? "launched" : "nothing-to-launch";
      return json;
    } catch (SpawnDeniedException e) {
      result = "denied";
      throw e;
    } catch (NoClusterException e) {
      result = "no-cluster";
      throw e;
    } catch (ServiceLaunchException e) {
      result = e.kind().name().toLowerCase(java.util.Locale.ROOT);
      throw e;
    } finally {
      meters.counter("hubpolicy.launches", "result", result).increment();
      meters
          .timer("hubpolicy.launch.duration", "result", result)
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private ObjectNode launchOrThrow(DecideCall call, DecisionJson.Explain explain) {
    // Audited once, after the launch, so that the log shows the env the pod really got.
    Decision d = decisions.preview(call.request());
    Decision audited = d;
    List<PlannedService> plan;
    ServiceLauncher.Launch launch = null;
    try {
      if (!d.allowed()) {
        throw new SpawnDeniedException(d.decisionId(), d.reasons());
      }
      plan = decisions.plan(d, call.server());
      if (!plan.isEmpty()) {
        launch =
            launcher.launch(
                new io.hubpolicy.services.ServiceTarget(
                    d.user(), call.server(), launcher.namespace()),
                plan);
        d = withReturned(d, plan, launch.env());
        audited = d;
      }
    } finally {
      decisions.audit(audited);
    }
    PodMutator.Result pod = call.pod() == null ? null : decisions.mutator().apply(call.pod(), d);
    ObjectNode json = DecisionJson.toJson(d, pod, explain);
    json.put("server", call.server());
    if (launch != null) {
      ObjectNode services = (ObjectNode) json.get("services");
      for (ServiceLauncher.LaunchedObject o : launch.objects()) {
        ObjectNode s = (ObjectNode) services.get(o.service());
        ArrayNode objects = s.has("objects") ? (ArrayNode) s.get("objects") : s.putArray("objects");
        objects
            .addObject()
            .put("apiVersion", o.apiVersion())
            .put("kind", o.kind())
            .put("name", o.name())
            .put("created", o.created());
      }
      for (PlannedService p : plan) {
        ObjectNode returned = ((ObjectNode) services.get(p.name())).putObject("returned");
        for (String k : p.returns().keySet()) {
          returned.put(k, launch.env().get(k));
        }
      }
      json.put("anchor", launch.anchor());
    }
    return json;
  }

  /** Ends the lifecycle {@code event} of a user server's services. */
  public ObjectNode stop(String user, String server, String event) {
    RequestFields.user(user, "user");
    RequestFields.server(server, "server");
    if (event == null || event.isEmpty()) {
      throw new InvalidRequestException("event", "event is required");
    }
    RequestFields.word(event, "event");
    Lifecycle ended = Lifecycle.event(event); // refuses an unknown event before anything else
    // Without a cluster no launch could have created anything, so there is nothing to stop: a
    // hub's post-stop hook gets a plain answer instead of an error on every stop.
    ServiceLauncher.Stopped s = launcher.stop(user, server, ended);
    meters.counter("hubpolicy.stops", "event", event).increment();
    ObjectNode o = F.objectNode();
    o.put("user", user);
    o.put("server", server == null ? "" : server);
    o.put("event", event);
    ArrayNode deleted = o.putArray("deleted");
    s.deleted().forEach(deleted::add);
    ArrayNode kept = o.putArray("kept");
    s.kept().forEach(kept::add);
    return o;
  }

  /**
   * The decision with the returned variables in {@code env}, and in its field traces as set by
   * their service, so that {@code explanation.fields} says where each came from.
   */
  static Decision withReturned(Decision d, List<PlannedService> plan, Map<String, String> values) {
    Map<String, Actor> setBy = new LinkedHashMap<>();
    for (PlannedService p : plan) {
      FieldTrace service = d.fields().get("services." + p.name());
      String profile = service == null ? null : service.setBy().profile();
      String source = service == null ? null : service.setBy().source();
      p.returns()
          .forEach(
              (name, path) ->
                  setBy.put(
                      name,
                      new Actor(
                          "Service " + p.name() + " returned " + name + " from '" + path + "'",
                          0,
                          profile,
                          Actor.Kind.SERVICE,
                          p.name(),
                          source,
                          null)));
    }
    Decision before = d;
    return d.withEnv(
        withReturned(d.env(), values),
        () -> {
          Map<String, FieldTrace> traces = new LinkedHashMap<>(before.fields());
          values.forEach(
              (name, value) -> {
                String key = "env." + name;
                FieldTrace earlier = traces.get(key);
                List<FieldTrace.Overridden> overrode = new ArrayList<>();
                if (earlier != null) {
                  overrode.addAll(earlier.overrode());
                  overrode.add(new FieldTrace.Overridden(earlier.value(), earlier.setBy()));
                }
                traces.put(key, new FieldTrace(key, value, setBy.get(name), overrode));
              });
          return traces;
        });
  }

  /** Returned variables replace same-named ones in place; new ones come last. No duplicates. */
  static List<EnvVar> withReturned(List<EnvVar> env, Map<String, String> returned) {
    List<EnvVar> out = new ArrayList<>();
    for (EnvVar e : env) {
      out.add(
          returned.containsKey(e.getName())
              ? new EnvVar(e.getName(), returned.get(e.getName()), null)
              : e);
    }
    returned.forEach(
        (k, v) -> {
          if (env.stream().noneMatch(e -> e.getName().equals(k))) {
            out.add(new EnvVar(k, v, null));
          }
        });
    return out;
  }
}
