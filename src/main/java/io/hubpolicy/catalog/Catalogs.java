package io.hubpolicy.catalog;

import io.hubpolicy.engine.RuleBase;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** What the spawn form offers: images and sizes, from the cluster or from the configuration. */
public interface Catalogs {
  /** {@code {source, default, images: [...], warnings: [...]}}. */
  ObjectNode images(RuleBase rb);

  /** The image names a user may choose. */
  Set<String> imageNames(RuleBase rb);

  /** One entry per size, with resources and schedulability. */
  ArrayNode sizes(RuleBase rb);
}
