package io.hubpolicy.model;

import java.util.List;
import java.util.Map;

/**
 * A side service a profile asks for. Either {@code resources} (current form: templates held in
 * ConfigMaps, rendered with {@code configuration}) or {@code template} (classic form: an OpenShift
 * Template filled with {@code parameters}). {@code returns} maps an env var name to a JSONPath read
 * from the created object. {@code lifecycle} is null when the profile does not say (the service
 * then ends when the server stops).
 */
public record ServiceSpec(
    List<TemplateRef> resources,
    String template,
    Map<String, String> parameters,
    Map<String, Object> configuration,
    Map<String, String> labels,
    Map<String, String> returns,
    Lifecycle lifecycle) {
  public ServiceSpec {
    resources = resources == null ? List.of() : List.copyOf(resources);
    parameters = ordered(parameters);
    configuration =
        configuration == null ? Map.of() : java.util.Collections.unmodifiableMap(configuration);
    labels = ordered(labels);
    returns = ordered(returns);
  }

  /**
   * An unmodifiable copy in the configuration's order ({@code Map.copyOf}'s order changes from one
   * JVM to the next, and so did a decision's JSON between replicas); no null key or value.
   */
  private static Map<String, String> ordered(Map<String, String> m) {
    if (m == null || m.isEmpty()) {
      return Map.of();
    }
    Map<String, String> copy = new java.util.LinkedHashMap<>(m);
    copy.forEach(
        (k, v) -> {
          java.util.Objects.requireNonNull(k, "a null key");
          java.util.Objects.requireNonNull(v, () -> "no value for " + k);
        });
    return java.util.Collections.unmodifiableMap(copy);
  }
}
