package io.hubpolicy.api;

import io.hubpolicy.catalog.Catalogs;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.GpuType;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UnlistedImages;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.preferences.PreferencesService;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything the spawn form needs for one user in one call: the images, sizes and GPU counts they
 * may choose, a custom image where the configuration allows one, the variables the old format's
 * {@code ui.envVarConfig} asks users for, their saved choices, and the decision those choices would
 * give now (so the form can preview it before Start). The HTTP and gRPC edges both answer with
 * this, and the hub's form, KubeSpawner profile list and preview are all built from it.
 */
public final class OptionsService {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final DecisionService decisions;
  private final Catalogs catalogs;
  private final PreferencesService preferences;

  public OptionsService(
      DecisionService decisions, Catalogs catalogs, PreferencesService preferences) {
    this.decisions = decisions;
    this.catalogs = catalogs;
    this.preferences = preferences;
  }

  /**
   * {@code {revision, images, unlistedImage, sizes, gpu, envVarConfig, preferences, selected:
   * {image, size, gpu, gpuType}, decision}}; may read the cluster (catalogs, the user's saved
   * choices).
   */
  public ObjectNode options(String user, List<String> groups) {
    if (user == null || user.isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    RuleBase rb = decisions.engine().ruleBase();
    ObjectNode o = F.objectNode();
    o.put("revision", rb.revision());
    ObjectNode images = catalogs.images(rb, user, groups);
    o.set("images", images);
    o.set("unlistedImage", unlisted(rb.config().images().unlisted(), user, groups));
    ArrayNode sizes = catalogs.sizes(rb, user, groups);
    o.set("sizes", sizes);
    UserPreferences saved = preferences.store().load(user);
    // The saved image and size, if they are still offered; else the defaults.
    String image = saved.image();
    if (image == null || !catalogs.mayChoose(rb, image, user, groups)) {
      image = images.path("default").isString() ? images.get("default").asString() : null;
    }
    String size = saved.size();
    if (size != null && !offered(sizes, size)) {
      size = null;
    }
    int max = decisions.gpuGrant(new SpawnRequest(user, groups, image, size));
    ObjectNode gpu = gpu(rb, max, saved.gpu(), user, groups);
    o.set("gpu", gpu);
    o.set("envVarConfig", envVarConfig(rb.config().ui()));
    o.set("preferences", preferences.view(user, saved));
    ObjectNode selected = o.putObject("selected");
    selected.put("image", image);
    selected.put("size", size);
    selected.put("gpu", gpu.get("default").asInt());
    selected.set("gpuType", gpu.get("defaultType"));
    o.set(
        "decision",
        DecisionJson.toJson(
            decisions.preview(
                new SpawnRequest(user, groups, image, size)
                    .withGpu(gpu.get("default").asInt(), gpu.path("defaultType").asString(null))),
            null,
            DecisionJson.Explain.FIELDS));
    return o;
  }

  private static boolean offered(ArrayNode sizes, String name) {
    for (JsonNode s : sizes) {
      if (name.equals(s.path("name").asString(null))) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode unlisted(UnlistedImages u, String user, List<String> groups) {
    if (u == null || !u.audience().includes(user, groups)) {
      return F.nullNode();
    }
    return F.objectNode().put("pattern", u.pattern().pattern()).put("displayName", u.displayName());
  }

  /**
   * The GPU choices: from {@code ui.gpuConfig.gpuDropdown.start} (0 by default) up to what the
   * profiles grant this user; none when {@code ui.gpuConfig.enabled} is false or nothing is
   * granted. The saved count is the default when it is still a choice.
   */
  private static ObjectNode gpu(
      RuleBase rb, int max, Integer saved, String user, List<String> groups) {
    Map<String, Object> config = map(rb.config().ui().get("gpuConfig"));
    boolean enabled = !Boolean.FALSE.equals(config.get("enabled")) && max > 0;
    int start = 0;
    if (map(config.get("gpuDropdown")).get("start") instanceof Number n) {
      start = Math.max(0, Math.min(n.intValue(), max));
    }
    ObjectNode g = F.objectNode();
    g.put("enabled", enabled);
    g.put("max", enabled ? max : 0);
    ArrayNode choices = g.putArray("choices");
    if (enabled) {
      for (int i = start; i <= max; i++) {
        choices.add(i);
      }
    }
    int def = enabled && saved != null && saved >= start && saved <= max ? saved : start;
    g.put("default", enabled ? def : 0);
    ArrayNode types = g.putArray("types");
    List<GpuType> configured =
        rb.config().gpuTypes().stream().filter(t -> t.audience().includes(user, groups)).toList();
    configured.forEach(t -> types.add(t.type()));
    if (enabled && !configured.isEmpty()) {
      g.put(
          "defaultType",
          configured.stream()
              .filter(GpuType::isDefault)
              .findFirst()
              .orElse(configured.get(0))
              .type());
    } else {
      g.putNull("defaultType");
    }
    return g;
  }

  /** {@code ui.envVarConfig} as the old spawner page read it; null when absent or disabled. */
  private static JsonNode envVarConfig(Map<String, Object> ui) {
    Map<String, Object> config = map(ui.get("envVarConfig"));
    if (config.isEmpty() || Boolean.FALSE.equals(config.get("enabled"))) {
      return F.nullNode();
    }
    ObjectNode out = F.objectNode().put("enabled", true);
    ArrayNode categories = out.putArray("categories");
    if (config.get("categories") instanceof List<?> list) {
      for (Object c : list) {
        Map<String, Object> category = map(c);
        ObjectNode n = categories.addObject();
        n.put("name", String.valueOf(category.getOrDefault("name", "")));
        ArrayNode vars = n.putArray("variables");
        if (category.get("variables") instanceof List<?> vs) {
          for (Object v : vs) {
            Map<String, Object> var = map(v);
            if (var.get("name") instanceof String name) {
              vars.addObject()
                  .put("name", name)
                  .put("type", "password".equals(var.get("type")) ? "password" : "text");
            }
          }
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
