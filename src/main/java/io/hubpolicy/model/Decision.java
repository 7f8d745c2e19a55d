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
 * the CLI, HTTP, the pod mutator and the service launcher build on. {@code pod} holds KubeSpawner's
 * pod fields ({@link PodField}) the profiles and the size set, placeholders expanded. {@code
 * warnings} are what rules in warn mode would have done; {@code exceptions} the time-limited
 * exceptions that kept a rule from acting for this user.
 *
 * <p>{@code fieldTraces} and {@code notApplied} are computed on demand: with thousands of profiles,
 * listing why each one did not apply costs far more than the decision itself, and most callers (the
 * hub) read neither. {@code notApplied} answers in the sizes an answer can afford: the profiles
 * that came close, a page, or (only for a local caller) all of them.
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
    PodSettings pod,
    List<Warning> warnings,
    List<RuleException> exceptions,
    List<FiredRule> firedRules,
    Supplier<Map<String, FieldTrace>> fieldTraces,
    WhyNot notApplied) {

  /** For every field set: who set it and what it overrode (built on first use). */
  public Map<String, FieldTrace> fields() {
    return fieldTraces.get();
  }

  /**
   * The same decision with {@code env} replaced (with the values its services returned) and the
   * traces that say who set them.
   */
  public Decision withEnv(List<EnvVar> newEnv, Supplier<Map<String, FieldTrace>> newTraces) {
    return new Decision(
        decisionId,
        revision,
        request,
        allowed,
        reasons,
        profiles,
        List.copyOf(newEnv),
        resources,
        tolerations,
        affinity,
        volumes,
        gpu,
        services,
        pod,
        warnings,
        exceptions,
        firedRules,
        newTraces,
        notApplied);
  }

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
