package io.hubpolicy.catalog;

import io.hubpolicy.engine.RuleBase;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the spawn form offers: images and sizes, from the cluster or from the configuration, and of
 * those what one user may choose (the configuration's {@code images:} entries and the sizes' users
 * and groups, the same the decision enforces).
 */
public interface Catalogs {
  /** Every image: {@code {source, default, images: [...], warnings: [...]}}. */
  ObjectNode images(RuleBase rb);

  /** The images this user may choose, in the same form. */
  ObjectNode images(RuleBase rb, String user, List<String> groups);

  /** The names of the images this user may choose. */
  Set<String> imageNames(RuleBase rb, String user, List<String> groups);

  /**
   * Whether this user may run {@code image}: one offered to them, or a custom one the
   * configuration's {@code unlistedImages} allows them.
   */
  default boolean mayChoose(RuleBase rb, String image, String user, List<String> groups) {
    if (imageNames(rb, user, groups).contains(image)) {
      return true;
    }
    var unlisted = rb.config().images().unlisted();
    return unlisted != null && unlisted.allows(image, user, groups);
  }

  /** One entry per size, with resources and schedulability. */
  ArrayNode sizes(RuleBase rb);

  /** The sizes this user may choose. */
  ArrayNode sizes(RuleBase rb, String user, List<String> groups);
}
