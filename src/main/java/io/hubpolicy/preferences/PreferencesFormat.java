package io.hubpolicy.preferences;

import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The text under key {@code profile} of a user's preferences ConfigMap, in the old system's key
 * names ({@code last_selected_image}, {@code last_selected_size}, {@code gpu}) plus {@code env}.
 *
 * <p>Reading is lenient about what it ignores and strict about what it applies: the old system
 * stored whole profiles there (resources, volumes, tolerations...) and applied them, which let
 * users grant themselves anything. Such keys are reported and never read.
 */
public final class PreferencesFormat {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  static final Set<String> KEYS = Set.of("last_selected_image", "last_selected_size", "gpu", "env");

  private PreferencesFormat() {}

  public static UserPreferences read(String text, String source, List<String> warnings) {
    if (text == null || text.isBlank()) {
      return UserPreferences.NONE;
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JacksonException e) {
      warnings.add(source + ": not valid YAML, ignored: " + e.getOriginalMessage());
      return UserPreferences.NONE;
    }
    if (root == null || !root.isObject()) {
      warnings.add(source + ": not a mapping, ignored");
      return UserPreferences.NONE;
    }
    for (String k : root.propertyNames()) {
      if (!KEYS.contains(k)) {
        warnings.add(source + ": key '" + k + "' is not a preference and is ignored");
      }
    }
    String image = text(root, "last_selected_image");
    String size = text(root, "last_selected_size");
    Integer gpu = null;
    JsonNode g = root.get("gpu");
    if (g != null && !g.isNull()) {
      if (g.canConvertToInt() && g.asInt() >= 0) {
        gpu = g.asInt();
      } else if (g.isString() && g.asString().matches("\\d{1,3}")) {
        gpu = Integer.parseInt(g.asString()); // the old form saved what the select box sent
      } else {
        warnings.add(source + ": gpu '" + g + "' is not a count, ignored");
      }
    }
    List<UserVariable> env = new ArrayList<>();
    JsonNode e = root.get("env");
    if (e != null && e.isArray()) {
      for (JsonNode v : e) {
        String name = text(v, "name");
        if (name == null) {
          warnings.add(source + ": env entry without a name ignored");
          continue;
        }
        boolean secret = v.path("secret").asBoolean(false);
        env.add(new UserVariable(name, secret ? null : text(v, "value"), secret));
      }
    } else if (e != null && !e.isNull()) {
      warnings.add(source + ": env is not a list, ignored");
    }
    return new UserPreferences(image, size, gpu, env);
  }

  public static String write(UserPreferences p) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (p.image() != null) {
      out.put("last_selected_image", p.image());
    }
    if (p.size() != null) {
      out.put("last_selected_size", p.size());
    }
    if (p.gpu() != null) {
      out.put("gpu", p.gpu());
    }
    List<Map<String, Object>> env = new ArrayList<>();
    for (UserVariable v : p.env()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      if (v.secret()) {
        m.put("secret", true);
      } else {
        m.put("value", v.value());
      }
      env.add(m);
    }
    out.put("env", env);
    return YAML.writeValueAsString(out);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || v.isContainer() ? null : v.asString();
  }
}
