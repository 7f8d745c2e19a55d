package io.hubpolicy.authoring;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What changes between two answers to the same request, field by field, compared as the decision's
 * JSON shows them: env by variable name, resources per key, volumes and services by name, every
 * other field as a whole. A request that one configuration cannot decide (an unknown size, a rule
 * that throws) gives its error instead.
 */
public final class DecisionDiff {
  /** The fields compared, in the decision's order. */
  public static final List<String> FIELDS =
      List.of(
          "allowed",
          "reasons",
          "profiles",
          "env",
          "resources",
          "tolerations",
          "affinity",
          "volumes",
          "gpu",
          "services");

  /** The pseudo-field of a request that could not be decided. */
  public static final String ERROR = "error";

  private DecisionDiff() {}

  /**
   * One difference.
   *
   * @param key within the field (a variable, {@code limits.memory}, a volume or service name); null
   *     for the field as a whole
   * @param before the old value, null when there was none (JSON {@code null} is a value)
   * @param after the new value, null when there is none
   */
  public record Change(String field, String key, JsonNode before, JsonNode after) {
    /** {@code env.VAR}, {@code resources.limits.memory}, {@code gpu}. */
    public String path() {
      return key == null ? field : field + "." + key;
    }
  }

  /** What one configuration answers: the decision as JSON, or why there is none. */
  public record Answer(ObjectNode decision, String error) {
    public static Answer of(SpawnRequest request, RuleBase rb) {
      try {
        return new Answer(
            DecisionJson.toJson(
                DecisionEngine.decide(request, rb), null, DecisionJson.Explain.NONE),
            null);
      } catch (PolicyException e) {
        return new Answer(null, e.getMessage());
      }
    }

    public boolean allowed() {
      return decision != null && decision.get("allowed").asBoolean();
    }
  }

  /** Every difference, in {@link #FIELDS} order; empty when the answers are the same. */
  public static List<Change> between(Answer before, Answer after) {
    List<Change> out = new ArrayList<>();
    if (before.error() != null || after.error() != null) {
      if (before.error() == null || !before.error().equals(after.error())) {
        out.add(new Change(ERROR, null, text(before.error()), text(after.error())));
      }
      return out;
    }
    for (String field : FIELDS) {
      JsonNode a = before.decision().get(field);
      JsonNode b = after.decision().get(field);
      if (a.equals(b)) {
        continue;
      }
      int found = out.size();
      switch (field) {
        case "env", "volumes" -> byName(field, a, b, out);
        case "resources", "services" -> byKey(field, a, b, out, field.equals("resources"));
        default -> out.add(new Change(field, null, a, b));
      }
      if (out.size() == found) {
        // The same entries in another order: the order is the change.
        out.add(new Change(field, null, a, b));
      }
    }
    return out;
  }

  /** A list of objects with a {@code name}: compared per name, shown without it. */
  private static void byName(String field, JsonNode a, JsonNode b, List<Change> out) {
    Map<String, JsonNode> old = named(a);
    Map<String, JsonNode> now = named(b);
    Set<String> names = new LinkedHashSet<>(old.keySet());
    names.addAll(now.keySet());
    for (String name : names) {
      JsonNode x = old.get(name);
      JsonNode y = now.get(name);
      if (x == null || !x.equals(y)) {
        out.add(new Change(field, name, x, y));
      }
    }
  }

  /** Each entry without its name; a variable with only a value is shown as that value. */
  private static Map<String, JsonNode> named(JsonNode list) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    for (JsonNode item : list) {
      ObjectNode rest = ((ObjectNode) item).deepCopy();
      JsonNode name = rest.remove("name");
      m.put(
          name == null ? "" : name.asString(),
          rest.size() == 1 && rest.has("value") ? rest.get("value") : rest);
    }
    return m;
  }

  /**
   * An object compared per key; with {@code twoLevels} ({@code requests}/{@code limits}), per key
   * of each inner object.
   */
  private static void byKey(
      String field, JsonNode a, JsonNode b, List<Change> out, boolean twoLevels) {
    Set<String> keys = new LinkedHashSet<>(a.propertyNames());
    keys.addAll(b.propertyNames());
    for (String k : keys) {
      JsonNode x = a.get(k);
      JsonNode y = b.get(k);
      if (x != null && x.equals(y)) {
        continue;
      }
      if (twoLevels && (x == null || x.isObject()) && (y == null || y.isObject())) {
        Set<String> inner = new LinkedHashSet<>();
        if (x != null) {
          inner.addAll(x.propertyNames());
        }
        if (y != null) {
          inner.addAll(y.propertyNames());
        }
        for (String i : inner) {
          JsonNode xi = x == null ? null : x.get(i);
          JsonNode yi = y == null ? null : y.get(i);
          if (xi == null || !xi.equals(yi)) {
            out.add(new Change(field, k + "." + i, xi, yi));
          }
        }
      } else {
        out.add(new Change(field, k, x, y));
      }
    }
  }

  private static JsonNode text(String s) {
    return s == null ? null : tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(s);
  }
}
