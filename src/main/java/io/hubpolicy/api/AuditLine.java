package io.hubpolicy.api;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserVariable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decision's audit line, written straight to ASCII bytes: id, revision, input and result, but no
 * explanation (it can be recomputed from the revision and input) and no literal value of a variable
 * whose name looks secret.
 *
 * <p>{@code input} is the whole request as decided, so that {@code hubpolicy diff} can replay it:
 * user, groups, image, size, server, the hub's {@code userId} when sent, the form's {@code gpu} and
 * {@code gpuType}, and the user's saved choices as applied ({@code preferences}: their GPU count
 * and own variables; a secret one by name only, {@code "secret": true}).
 *
 * <p>Every decision writes one, on the event loop that answers it, so it is streamed rather than
 * built as a tree and printed: at 10,000 profiles that was a third of a decision's allocation
 * outside the engine (BENCHMARKS.md §3). Kubernetes objects go through fabric8's own serializers
 * ({@link KubeJson#mapper}), as {@link DecisionJson} converts them. {@code DecisionJsonGoldenTest}
 * holds the text byte for byte. Every non-ASCII character is escaped, so the line is ASCII whatever
 * a request held (a lone UTF-16 surrogate once stopped every later write).
 */
public final class AuditLine {
  /**
   * Words that make a variable's name secret-looking, in any case: its literal value never reaches
   * the audit log ({@code api_?key} and {@code access_?key} are spelled out). Matched by hand, not
   * by a regular expression: every variable of every decision is checked, and a {@code Matcher} per
   * name was most of what writing the line allocated.
   */
  private static final String[] SENSITIVE = {
    "secret",
    "token",
    "pass",
    "pwd",
    "credential",
    "private",
    "apikey",
    "api_key",
    "accesskey",
    "access_key"
  };

  private static final JsonMapper ASCII =
      KubeJson.mapper().rebuild().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private AuditLine() {}

  /** The line as ASCII bytes, without its newline. */
  public static byte[] bytes(Decision d, String time) {
    return JsonParts.write(ASCII, g -> write(g, d, time));
  }

  /** The same line as text. */
  public static String text(Decision d, String time) {
    return new String(bytes(d, time), StandardCharsets.US_ASCII);
  }

  /** The same line as a tree, for callers that read it back. */
  public static ObjectNode tree(Decision d, String time) {
    return (ObjectNode) ASCII.readTree(bytes(d, time));
  }

  private static void write(JsonGenerator g, Decision d, String time) {
    g.writeStartObject();
    g.writeStringProperty("time", time);
    g.writeStringProperty("decisionId", d.decisionId());
    g.writeStringProperty("revision", d.revision());
    SpawnRequest request = d.request();
    g.writeObjectPropertyStart("input");
    g.writeStringProperty("user", d.user());
    JsonParts.strings(g, "groups", request.groups());
    g.writeStringProperty("image", d.image());
    g.writeStringProperty("size", d.size());
    g.writeStringProperty("server", request.server());
    if (request.userId() != null) {
      g.writeNumberProperty("userId", request.userId());
    }
    number(g, "gpu", request.gpu());
    g.writeStringProperty("gpuType", request.gpuType());
    g.writeObjectPropertyStart("preferences");
    number(g, "gpu", request.preferences().gpu());
    g.writeArrayPropertyStart("env");
    for (UserVariable v : request.preferences().env()) {
      g.writeStartObject();
      g.writeStringProperty("name", v.name());
      if (v.secret()) {
        g.writeBooleanProperty("secret", true);
      } else {
        g.writeStringProperty("value", masked(v.name(), v.value()));
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject(); // preferences
    g.writeEndObject(); // input
    g.writeObjectPropertyStart("result");
    g.writeBooleanProperty("allowed", d.allowed());
    JsonParts.strings(g, "reasons", d.reasons());
    JsonParts.strings(g, "profiles", d.profiles());
    g.writeObjectPropertyStart("env");
    for (EnvVar e : d.env()) {
      if (e.getValueFrom() != null) {
        g.writePOJOProperty(e.getName(), e.getValueFrom());
      } else {
        g.writeStringProperty(e.getName(), masked(e.getName(), e.getValue()));
      }
    }
    g.writeEndObject();
    g.writePOJOProperty("resources", d.resources());
    g.writeNumberProperty("gpu", d.gpu());
    JsonParts.strings(g, "services", d.services().keySet());
    if (!d.pod().isEmpty()) {
      g.writeObjectPropertyStart("podFields");
      for (Map.Entry<PodField, Object> f : d.pod().values().entrySet()) {
        if (f.getKey() == PodField.INIT_CONTAINERS || f.getKey() == PodField.EXTRA_CONTAINERS) {
          // Rare, and their variables are masked in place: as a tree.
          JsonNode containers = KubeJson.SERIALIZATION.convertValue(f.getValue(), JsonNode.class);
          containers.forEach(c -> maskEnv(c.get("env")));
          g.writeName(f.getKey().key());
          g.writeTree(containers);
        } else {
          g.writePOJOProperty(f.getKey().key(), f.getValue());
        }
      }
      g.writeEndObject();
    }
    if (!d.warnings().isEmpty()) {
      JsonParts.warnings(g, d.warnings());
    }
    if (!d.exceptions().isEmpty()) {
      JsonParts.exceptions(g, d.exceptions());
    }
    g.writeEndObject(); // result
    JsonParts.firedRules(g, d.firedRules());
    g.writeEndObject();
  }

  private static String masked(String name, String value) {
    return sensitive(name) ? "***" : value;
  }

  /** Whether a variable's name contains one of {@link #SENSITIVE}'s words, in any case. */
  static boolean sensitive(String name) {
    for (int at = 0; at < name.length(); at++) {
      for (String word : SENSITIVE) {
        if (name.regionMatches(true, at, word, 0, word.length())) {
          return true;
        }
      }
    }
    return false;
  }

  private static void maskEnv(JsonNode env) {
    if (env == null) {
      return;
    }
    for (JsonNode e : env) {
      if (e instanceof ObjectNode o && o.has("value") && sensitive(o.path("name").asString(""))) {
        o.put("value", "***");
      }
    }
  }

  private static void number(JsonGenerator g, String name, Integer n) {
    if (n == null) {
      g.writeNullProperty(name);
    } else {
      g.writeNumberProperty(name, n.intValue());
    }
  }
}
