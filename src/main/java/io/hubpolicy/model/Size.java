package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A size the user can choose; resources are keyed like {@code requests.cpu}, {@code limits.memory}.
 * {@code audience} says who may choose it (everyone unless the size names users or groups); {@code
 * pod} the pod settings it sets (e.g. a {@code node_selector} for a node pool), applied after every
 * profile's.
 */
public record Size(
    String name,
    Map<String, Quantity> resources,
    SourceRef source,
    Audience audience,
    PodSettings pod) {
  public Size {
    resources = Collections.unmodifiableMap(new LinkedHashMap<>(resources));
    audience = audience == null ? Audience.EVERYONE : audience;
    pod = pod == null ? PodSettings.NONE : pod;
  }

  public Size(String name, Map<String, Quantity> resources, SourceRef source, Audience audience) {
    this(name, resources, source, audience, PodSettings.NONE);
  }

  public Size(String name, Map<String, Quantity> resources, SourceRef source) {
    this(name, resources, source, Audience.EVERYONE);
  }
}
