package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/**
 * A size the user can choose; resources are keyed like {@code requests.cpu}, {@code limits.memory}.
 */
public record Size(String name, Map<String, Quantity> resources, SourceRef source) {
  public Size {
    resources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(resources));
  }
}
