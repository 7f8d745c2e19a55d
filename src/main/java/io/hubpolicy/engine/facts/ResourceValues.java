package io.hubpolicy.engine.facts;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.model.Quantities;

/** A resource value a rule sets, checked as the rule's error message needs it. */
final class ResourceValues {
  private ResourceValues() {}

  static Quantity parse(String key, String quantity) {
    if (!key.startsWith("requests.") && !key.startsWith("limits.")) {
      throw new IllegalArgumentException(
          "a resource key starts with requests. or limits., e.g. limits.memory; got '" + key + "'");
    }
    return Quantities.parseResource(quantity)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "'"
                        + quantity
                        + (Quantities.parse(quantity).isPresent()
                            ? "' is negative, which Kubernetes refuses"
                            : "' is not a Kubernetes quantity")
                        + " (for "
                        + key
                        + ")"));
  }
}
