package io.hubpolicy.services;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.model.Lifecycle;
import java.util.List;
import java.util.Map;

/**
 * One service of a decision, rendered: the objects it would create (named, labelled, annotated; the
 * owner reference is added at launch) or why it cannot be rendered.
 */
public record PlannedService(
    String name,
    Lifecycle lifecycle,
    Map<String, String> returns,
    List<GenericKubernetesResource> manifests,
    String error) {
  public PlannedService {
    returns = returns == null ? Map.of() : Map.copyOf(returns);
    manifests = manifests == null ? List.of() : List.copyOf(manifests);
  }

  public boolean ok() {
    return error == null;
  }
}
