package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The answer for one spawn: what the pod gets, which services start, and why. This is the contract
 * the CLI, HTTP, the pod mutator and the service launcher build on.
 *
 * <p>{@code notApplied} is computed on demand: with thousands of profiles, listing why each one did
 * not apply costs far more than the decision itself, and most callers never read it.
 */
public record Decision(
    String decisionId,
    String revision,
    SpawnRequest request,
    boolean allowed,
    List<String> reasons,
    List<String> profiles,
    List<EnvVar> env,
    ResourceRequirements resources,
    List<Toleration> tolerations,
    Affinity affinity,
    List<ProfileVolume> volumes,
    int gpu,
    Map<String, ServiceSpec> services,
    List<FiredRule> firedRules,
    Map<String, FieldTrace> fields,
    Supplier<List<NotApplied>> notApplied) {

  public String user() {
    return request.user();
  }

  public String image() {
    return request.image();
  }

  public String size() {
    return request.size();
  }
}
