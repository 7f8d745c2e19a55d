package io.hubpolicy.api;

import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.PodSettings;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.model.WhyNot;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.PlannedService;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The decision as JSON: the wire format of {@code decide}, {@code POST /v1/decisions} and the audit
 * log. Written by hand so the model stays free of serialization annotations and the field order is
 * the documented one.
 */
public final class DecisionJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final JsonMapper COMPACT = JsonMapper.builder().build();
  private static final JsonMapper ASCII =
      JsonMapper.builder()
          .enable(tools.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII)
          .build();
  private static final JsonMapper PRETTY =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private DecisionJson() {}

  /**
   * How much explanation to include ({@code ?explain=}, {@code --explain}, gRPC {@code explain}):
   *
   * <ul>
   *   <li>{@code none}: no {@code explanation};
   *   <li>{@code fields}: who set each field and what it overrode;
   *   <li>{@code close} (the default): the same, and why the profiles that came close did not apply
   *       (at most {@link #CLOSE_CAP}; see {@link io.hubpolicy.model.WhyNot}), with the counts of
   *       those and of all the profiles that did not apply. Costs about what the decision costs;
   *   <li>{@code full}: the same, and one page ({@code offset}, {@code limit}: default {@link
   *       #DEFAULT_LIMIT}, at most {@link #MAX_LIMIT}) of every profile that did not apply.
   * </ul>
   *
   * <p>{@code offset} and {@code limit} are 0 for the levels they do not apply to.
   */
  public record Explain(Level level, int offset, int limit) {
    /** From the least to the most said. */
    public enum Level {
      NONE,
      FIELDS,
      CLOSE,
      FULL
    }

    /** How many of the profiles that came close an answer lists. */
    public static final int CLOSE_CAP = 25;

    /** A page of {@code explain=full} without {@code limit}. */
    public static final int DEFAULT_LIMIT = 100;

    /** The longest page of {@code explain=full}. */
    public static final int MAX_LIMIT = 1000;

    public static final Explain NONE = new Explain(Level.NONE, 0, 0);
    public static final Explain FIELDS = new Explain(Level.FIELDS, 0, 0);
    public static final Explain CLOSE = new Explain(Level.CLOSE, 0, 0);

    /** The first page of {@code full}. */
    public static final Explain FULL = new Explain(Level.FULL, 0, DEFAULT_LIMIT);

    /**
     * As {@code ?explain=&offset=&limit=} and {@code --explain --offset --limit} give them: {@code
     * close}, {@code full}, {@code fields} or {@code none}, absent (null or empty) meaning close;
     * {@code offset} and {@code limit} may be absent, and are only for {@code full}.
     */
    public static Explain parse(String value, String offset, String limit) {
      Level level;
      if (value == null || value.isEmpty()) {
        level = Level.CLOSE;
      } else {
        try {
          level = Level.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException(
              "explain", "explain must be close, full, fields or none; got '" + value + "'");
        }
      }
      return of(level, number("offset", offset, 0), number("limit", limit, 0));
    }

    /**
     * Checks a level with its page, as gRPC gives them: 0 for an offset or a limit not given (a
     * limit of 0 is the default).
     */
    public static Explain of(Level level, int offset, int limit) {
      if (level != Level.FULL) {
        if (offset != 0 || limit != 0) {
          String field = offset != 0 ? "offset" : "limit";
          throw new InvalidRequestException(
              field,
              field
                  + " pages the list of every profile that did not apply, which only explain=full"
                  + " gives; ask for explain=full");
        }
        return switch (level) {
          case NONE -> NONE;
          case FIELDS -> FIELDS;
          default -> CLOSE;
        };
      }
      if (offset < 0) {
        throw new InvalidRequestException(
            "offset", "offset must be a whole number, 0 or more; got " + offset);
      }
      if (limit < 0 || limit > MAX_LIMIT) {
        throw new InvalidRequestException(
            "limit", "limit must be a whole number from 1 to " + MAX_LIMIT + "; got " + limit);
      }
      return new Explain(Level.FULL, offset, limit == 0 ? DEFAULT_LIMIT : limit);
    }

    /** A whole number given as text, {@code absent} when not given; 0 given is an error. */
    private static int number(String field, String text, int absent) {
      if (text == null || text.isEmpty()) {
        return absent;
      }
      int n;
      try {
        n = Integer.parseInt(text.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (field.equals("offset") ? n < 0 : n < 1) {
        throw new InvalidRequestException(
            field,
            field.equals("offset")
                ? "offset must be a whole number, 0 or more; got '" + text + "'"
                : "limit must be a whole number from 1 to " + MAX_LIMIT + "; got '" + text + "'");
      }
      return n;
    }
  }

  public static ObjectNode toJson(Decision d, PodMutator.Result pod, Explain explain) {
    ObjectNode o = F.objectNode();
    o.put("decisionId", d.decisionId());
    o.put("revision", d.revision());
    o.put("user", d.user());
    o.set("groups", strings(d.request().groups()));
    o.put("image", d.image());
    o.put("size", d.size());
    o.put("allowed", d.allowed());
    o.set("reasons", strings(d.reasons()));
    o.set("profiles", strings(d.profiles()));
    o.set("env", kube(d.env()));
    o.set("resources", kube(d.resources()));
    o.set("tolerations", kube(d.tolerations()));
    o.set("affinity", d.affinity() == null ? F.nullNode() : kube(d.affinity()));
    ArrayNode volumes = F.arrayNode();
    d.volumes().forEach(v -> volumes.add(volume(v)));
    o.set("volumes", volumes);
    o.put("gpu", d.gpu());
    ObjectNode services = F.objectNode();
    d.services().forEach((name, spec) -> services.set(name, service(spec)));
    o.set("services", services);
    o.set("podFields", podFields(d.pod()));
    o.set("warnings", warnings(d));
    o.set("exceptions", exceptions(d));
    ArrayNode fired = F.arrayNode();
    d.firedRules().forEach(r -> fired.add(firedRule(r)));
    o.set("firedRules", fired);
    if (explain.level() != Explain.Level.NONE) {
      ObjectNode explanation = F.objectNode();
      ObjectNode fields = F.objectNode();
      d.fields().forEach((k, t) -> fields.set(k, trace(t)));
      explanation.set("fields", fields);
      WhyNot whyNot = d.notApplied();
      if (explain.level() == Explain.Level.CLOSE) {
        WhyNot.Close close = whyNot.close(Explain.CLOSE_CAP);
        explanation.put("notAppliedCount", whyNot.count());
        explanation.put("closeCount", close.count());
        explanation.set("notApplied", notApplied(close.shown()));
      } else if (explain.level() == Explain.Level.FULL) {
        explanation.put("notAppliedCount", whyNot.count());
        explanation.put("offset", explain.offset());
        explanation.put("limit", explain.limit());
        explanation.set("notApplied", notApplied(whyNot.page(explain.offset(), explain.limit())));
      }
      o.set("explanation", explanation);
    }
    if (pod != null) {
      o.set("pod", kube(pod.pod()));
      o.set("patch", pod.patch());
    }
    return o;
  }

  private static ArrayNode notApplied(List<NotApplied> list) {
    ArrayNode a = F.arrayNode();
    for (NotApplied n : list) {
      a.add(
          F.objectNode()
              .put("profile", n.profile())
              .put("order", n.order())
              .put("reason", n.reason()));
    }
    return a;
  }

  /** One audit line as a tree ({@link AuditLine} writes it; the audit logs take its bytes). */
  public static ObjectNode auditLine(Decision d, String time) {
    return AuditLine.tree(d, time);
  }

  /**
   * Adds what each service would create ({@code services.<name>.manifests}), or why it cannot be
   * rendered ({@code services.<name>.error}).
   */
  public static void addPlans(ObjectNode decision, List<PlannedService> plans) {
    ObjectNode services = (ObjectNode) decision.get("services");
    for (PlannedService p : plans) {
      ObjectNode s = (ObjectNode) services.get(p.name());
      if (p.ok()) {
        ArrayNode manifests = s.putArray("manifests");
        p.manifests().forEach(m -> manifests.add(kube(m)));
      } else {
        s.put("error", p.error());
      }
    }
  }

  /** JSON with every non-ASCII character escaped: any string, even a broken one, is ASCII. */
  public static String ascii(JsonNode n) {
    return ASCII.writeValueAsString(n);
  }

  public static String compact(JsonNode n) {
    return COMPACT.writeValueAsString(n);
  }

  public static String pretty(JsonNode n) {
    return PRETTY.writeValueAsString(n);
  }

  /** What rules in warn mode would have done: {@code [{rule, reason}]}. */
  private static ArrayNode warnings(Decision d) {
    ArrayNode a = F.arrayNode();
    d.warnings().forEach(w -> a.addObject().put("rule", w.rule()).put("reason", w.reason()));
    return a;
  }

  /** The exceptions that kept a rule from acting: {@code [{name, reason, until, rules}]}. */
  private static ArrayNode exceptions(Decision d) {
    ArrayNode a = F.arrayNode();
    for (io.hubpolicy.model.RuleException e : d.exceptions()) {
      ObjectNode n = a.addObject().put("name", e.name()).put("reason", e.reason());
      n.put("until", e.until().toString());
      n.set("rules", strings(e.rules()));
      n.put("source", e.source().toString());
    }
    return a;
  }

  private static ObjectNode firedRule(FiredRule r) {
    ObjectNode n = F.objectNode().put("rule", r.rule()).put("salience", r.salience());
    if (r.profile() != null) {
      n.put("profile", r.profile());
    }
    return n;
  }

  private static ObjectNode trace(FieldTrace t) {
    ObjectNode n = F.objectNode();
    n.set("value", value(t.value()));
    n.set("setBy", actor(t.setBy()));
    ArrayNode over = n.putArray("overrode");
    for (FieldTrace.Overridden o : t.overrode()) {
      over.add(
          F.objectNode().<ObjectNode>set("value", value(o.value())).set("setBy", actor(o.setBy())));
    }
    return n;
  }

  private static ObjectNode actor(Actor a) {
    ObjectNode n = F.objectNode().put("kind", a.kind().word()).put("name", a.name());
    if (a.source() != null) {
      n.put("source", a.source());
    }
    n.put("rule", a.rule()).put("salience", a.salience());
    if (a.ruleSource() != null) {
      n.put("ruleSource", a.ruleSource());
    }
    if (a.profile() != null) {
      n.put("profile", a.profile());
    }
    return n;
  }

  private static JsonNode value(Object v) {
    if (v instanceof ProfileVolume pv) {
      return volume(pv);
    }
    if (v instanceof ServiceSpec s) {
      return service(s);
    }
    return v == null ? F.nullNode() : kube(v);
  }

  private static ObjectNode volume(ProfileVolume v) {
    ObjectNode n = (ObjectNode) kube(v.volume());
    n.put("mountPath", v.mountPath());
    if (v.readOnly()) {
      n.put("readOnly", true);
    }
    if (v.subPath() != null) {
      n.put("subPath", v.subPath());
    }
    return n;
  }

  private static ObjectNode service(ServiceSpec s) {
    ObjectNode n = F.objectNode();
    if (!s.resources().isEmpty()) {
      ArrayNode res = n.putArray("resources");
      for (TemplateRef r : s.resources()) {
        res.add(F.objectNode().put("name", r.name()).put("path", r.path()));
      }
    }
    if (s.template() != null) {
      n.put("template", s.template());
    }
    putMap(n, "parameters", s.parameters());
    putMap(n, "configuration", s.configuration());
    putMap(n, "labels", s.labels());
    putMap(n, "return", s.returns());
    if (s.lifecycle() != null) {
      n.put("lifecycle", s.lifecycle().wire());
    }
    return n;
  }

  /** KubeSpawner's pod fields by their names ({@code node_selector}, {@code init_containers}…). */
  private static ObjectNode podFields(PodSettings p) {
    ObjectNode n = F.objectNode();
    p.values().forEach((f, v) -> n.set(f.key(), kube(v)));
    return n;
  }

  private static void putMap(ObjectNode n, String key, Map<String, ?> m) {
    if (!m.isEmpty()) {
      n.set(key, COMPACT.valueToTree(m));
    }
  }

  private static ArrayNode strings(Iterable<String> values) {
    ArrayNode a = F.arrayNode();
    values.forEach(a::add);
    return a;
  }

  private static JsonNode kube(Object o) {
    return KubeJson.SERIALIZATION.convertValue(o, JsonNode.class);
  }
}
