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
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    configuration =
        configuration == null ? Map.of() : java.util.Collections.unmodifiableMap(configuration);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    returns = returns == null ? Map.of() : Map.copyOf(returns);
  }
}
