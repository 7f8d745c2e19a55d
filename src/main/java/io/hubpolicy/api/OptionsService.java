package io.hubpolicy.api;

import io.hubpolicy.catalog.Catalogs;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.preferences.PreferencesService;
import java.util.List;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything the spawn form needs in one call: images, sizes, the user's saved choices and the
 * decision those choices would give now (so the form can preview it before Start). The HTTP and
 * gRPC edges both answer with this.
 */
public final class OptionsService {
  private final DecisionService decisions;
  private final Catalogs catalogs;
  private final PreferencesService preferences;

  /**
   * @param preferences null when users cannot save choices: the answer's preferences are null
   */
  public OptionsService(
      DecisionService decisions, Catalogs catalogs, PreferencesService preferences) {
    this.decisions = decisions;
    this.catalogs = catalogs;
    this.preferences = preferences;
  }

  /**
   * {@code {revision, images, sizes, preferences, selected: {image, size}, decision}}; may read the
   * cluster (catalogs, the user's saved choices).
   */
  public ObjectNode options(String user, List<String> groups) {
    if (user == null || user.isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    RuleBase rb = decisions.engine().ruleBase();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("revision", rb.revision());
    ObjectNode images = catalogs.images(rb);
    o.set("images", images);
    o.set("sizes", catalogs.sizes(rb));
    UserPreferences saved =
        preferences == null ? UserPreferences.NONE : preferences.store().load(user);
    o.set(
        "preferences",
        preferences == null ? JsonNodeFactory.instance.nullNode() : preferences.view(user, saved));
    // The saved image and size, if they are still offered; else the defaults.
    String image = saved.image();
    if (image == null || !catalogs.imageNames(rb).contains(image)) {
      image = images.path("default").isString() ? images.get("default").asString() : null;
    }
    String size = saved.size();
    if (size != null && !rb.sizes().containsKey(size)) {
      size = null;
    }
    ObjectNode selected = o.putObject("selected");
    selected.put("image", image);
    selected.put("size", size);
    o.set(
        "decision",
        DecisionJson.toJson(
            decisions.preview(new SpawnRequest(user, groups, image, size)),
            null,
            DecisionJson.Explain.FIELDS));
    return o;
  }
}
