package io.hubpolicy.api;

import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.model.WhyNot;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.PlannedService;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decision's answer ({@code POST /v1/decisions}, gRPC {@code decide}, the spawn form's preview),
 * written straight to UTF-8 bytes in the documented field order: {@link DecisionJson#toJson} reads
 * these bytes back when a caller wants a tree. Every decision the hub asks for is answered on an
 * event loop, so the answer is streamed rather than built as a tree, converted and printed (that
 * was a quarter of a decision's allocation at 10,000 profiles; BENCHMARKS.md §3). Kubernetes
 * objects go through fabric8's own serializers ({@link KubeJson#mapper}). {@code
 * DecisionJsonGoldenTest} holds the text byte for byte.
 */
public final class AnswerJson {
  private AnswerJson() {}

  /**
   * The answer as UTF-8: the decision explained to {@code explain}'s level, applied to a pod when
   * {@code pod} is not null, with the manifests (or the error) of each service in {@code plans}.
   */
  public static byte[] bytes(
      Decision d, PodMutator.Result pod, DecisionJson.Explain explain, List<PlannedService> plans) {
    return JsonParts.write(KubeJson.mapper(), g -> write(g, d, pod, explain, plans));
  }

  /** The same answer as a tree. */
  public static ObjectNode tree(
      Decision d, PodMutator.Result pod, DecisionJson.Explain explain, List<PlannedService> plans) {
    return (ObjectNode) KubeJson.mapper().readTree(bytes(d, pod, explain, plans));
  }

  /** UTF-8 bytes as text. */
  public static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static void write(
      JsonGenerator g,
      Decision d,
      PodMutator.Result pod,
      DecisionJson.Explain explain,
      List<PlannedService> plans) {
    g.writeStartObject();
    g.writeStringProperty("decisionId", d.decisionId());
    g.writeStringProperty("revision", d.revision());
    g.writeStringProperty("user", d.user());
    JsonParts.strings(g, "groups", d.request().groups());
    g.writeStringProperty("image", d.image());
    g.writeStringProperty("size", d.size());
    g.writeBooleanProperty("allowed", d.allowed());
    JsonParts.strings(g, "reasons", d.reasons());
    JsonParts.strings(g, "profiles", d.profiles());
    g.writePOJOProperty("env", d.env());
    g.writePOJOProperty("resources", d.resources());
    g.writePOJOProperty("tolerations", d.tolerations());
    g.writePOJOProperty("affinity", d.affinity());
    g.writeArrayPropertyStart("volumes");
    for (ProfileVolume v : d.volumes()) {
      volume(g, v);
    }
    g.writeEndArray();
    g.writeNumberProperty("gpu", d.gpu());
    g.writeObjectPropertyStart("services");
    for (Map.Entry<String, ServiceSpec> s : d.services().entrySet()) {
      g.writeName(s.getKey());
      service(g, s.getValue(), plan(plans, s.getKey()));
    }
    g.writeEndObject();
    g.writeObjectPropertyStart("podFields");
    for (Map.Entry<PodField, Object> f : d.pod().values().entrySet()) {
      g.writePOJOProperty(f.getKey().key(), f.getValue());
    }
    g.writeEndObject();
    JsonParts.warnings(g, d.warnings());
    JsonParts.exceptions(g, d.exceptions());
    JsonParts.firedRules(g, d.firedRules());
    if (explain.level() != DecisionJson.Explain.Level.NONE) {
      explanation(g, d, explain);
    }
    if (pod != null) {
      g.writePOJOProperty("pod", pod.pod());
      g.writeName("patch");
      g.writeTree(pod.patch());
    }
    g.writeEndObject();
  }

  private static void explanation(JsonGenerator g, Decision d, DecisionJson.Explain explain) {
    g.writeObjectPropertyStart("explanation");
    g.writeObjectPropertyStart("fields");
    for (Map.Entry<String, FieldTrace> f : d.fields().entrySet()) {
      g.writeName(f.getKey());
      trace(g, f.getValue());
    }
    g.writeEndObject();
    WhyNot whyNot = d.notApplied();
    if (explain.level() == DecisionJson.Explain.Level.CLOSE) {
      WhyNot.Close close = whyNot.close(DecisionJson.Explain.CLOSE_CAP);
      g.writeNumberProperty("notAppliedCount", whyNot.count());
      g.writeNumberProperty("closeCount", close.count());
      notApplied(g, close.shown());
    } else if (explain.level() == DecisionJson.Explain.Level.FULL) {
      g.writeNumberProperty("notAppliedCount", whyNot.count());
      g.writeNumberProperty("offset", explain.offset());
      g.writeNumberProperty("limit", explain.limit());
      notApplied(g, whyNot.page(explain.offset(), explain.limit()));
    }
    g.writeEndObject();
  }

  private static void notApplied(JsonGenerator g, List<NotApplied> list) {
    g.writeArrayPropertyStart("notApplied");
    for (NotApplied n : list) {
      g.writeStartObject();
      g.writeStringProperty("profile", n.profile());
      g.writeNumberProperty("order", n.order());
      g.writeStringProperty("reason", n.reason());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void trace(JsonGenerator g, FieldTrace t) {
    g.writeStartObject();
    g.writeName("value");
    value(g, t.value());
    g.writeName("setBy");
    actor(g, t.setBy());
    g.writeArrayPropertyStart("overrode");
    for (FieldTrace.Overridden o : t.overrode()) {
      g.writeStartObject();
      g.writeName("value");
      value(g, o.value());
      g.writeName("setBy");
      actor(g, o.setBy());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void actor(JsonGenerator g, Actor a) {
    g.writeStartObject();
    g.writeStringProperty("kind", a.kind().word());
    g.writeStringProperty("name", a.name());
    if (a.source() != null) {
      g.writeStringProperty("source", a.source());
    }
    g.writeStringProperty("rule", a.rule());
    g.writeNumberProperty("salience", a.salience());
    if (a.ruleSource() != null) {
      g.writeStringProperty("ruleSource", a.ruleSource());
    }
    if (a.profile() != null) {
      g.writeStringProperty("profile", a.profile());
    }
    g.writeEndObject();
  }

  private static void value(JsonGenerator g, Object v) {
    if (v instanceof ProfileVolume pv) {
      volume(g, pv);
    } else if (v instanceof ServiceSpec s) {
      service(g, s, null);
    } else {
      g.writePOJO(v);
    }
  }

  /** The volume's own fields, then where it is mounted: one object. */
  private static void volume(JsonGenerator g, ProfileVolume v) {
    ObjectNode n = KubeJson.SERIALIZATION.convertValue(v.volume(), ObjectNode.class);
    n.put("mountPath", v.mountPath());
    if (v.readOnly()) {
      n.put("readOnly", true);
    }
    if (v.subPath() != null) {
      n.put("subPath", v.subPath());
    }
    g.writeTree(n);
  }

  private static void service(JsonGenerator g, ServiceSpec s, PlannedService plan) {
    g.writeStartObject();
    if (!s.resources().isEmpty()) {
      g.writeArrayPropertyStart("resources");
      for (TemplateRef r : s.resources()) {
        g.writeStartObject();
        g.writeStringProperty("name", r.name());
        g.writeStringProperty("path", r.path());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    if (s.template() != null) {
      g.writeStringProperty("template", s.template());
    }
    map(g, "parameters", s.parameters());
    map(g, "configuration", s.configuration());
    map(g, "labels", s.labels());
    map(g, "return", s.returns());
    if (s.lifecycle() != null) {
      g.writeStringProperty("lifecycle", s.lifecycle().wire());
    }
    if (plan != null) {
      if (plan.ok()) {
        g.writePOJOProperty("manifests", plan.manifests());
      } else {
        g.writeStringProperty("error", plan.error());
      }
    }
    g.writeEndObject();
  }

  /** The plan for a service, or null; the last one when a name is planned twice. */
  private static PlannedService plan(List<PlannedService> plans, String service) {
    PlannedService found = null;
    for (PlannedService p : plans) {
      if (p.name().equals(service)) {
        found = p;
      }
    }
    return found;
  }

  private static void map(JsonGenerator g, String name, Map<String, ?> m) {
    if (!m.isEmpty()) {
      g.writePOJOProperty(name, m);
    }
  }
}
