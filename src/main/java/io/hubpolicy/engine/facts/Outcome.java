package io.hubpolicy.engine.facts;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.NodeSelectors;
import io.hubpolicy.model.PodSettings;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.Quantities;
import io.hubpolicy.model.RuleException;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.Warning;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kie.api.definition.type.Modifies;

/**
 * The decision being built, as a fact. Rules change it only through these methods, each of which
 * records the new value against the rule that is firing (set by the audit listener, never by the
 * rule body), so every field can say who set it and what it replaced.
 *
 * <p>Getters are the properties rules can match on, e.g. {@code Outcome(memoryLimitBytes > 8 * 1024
 * * 1024 * 1024)}; {@link Modifies} tells Drools which of them each method changes so that property
 * reactivity re-evaluates exactly the rules that care.
 */
public final class Outcome {
  private final WriteLog log = new WriteLog();
  private final Restraint restraint = new Restraint();
  private final Map<String, EnvVar> env = new LinkedHashMap<>(64);
  private final Map<String, Quantity> resources = new LinkedHashMap<>();
  private final List<Toleration> tolerations = new ArrayList<>();
  private NodeSelector requiredAffinity;
  private List<PreferredSchedulingTerm> preferredAffinity;
  private final Map<String, ProfileVolume> volumes = new LinkedHashMap<>();
  private final Map<String, ServiceSpec> services = new LinkedHashMap<>();
  private int gpu;
  private final List<String> profiles = new ArrayList<>();
  private final Set<String> protectedEnv = new HashSet<>();
  private boolean allowed = true;
  private final List<String> reasons = new ArrayList<>();
  private final PodSettings.Merged pod = new PodSettings.Merged();

  // ---------------------------------------------------------------- properties rules match on

  public boolean isAllowed() {
    return allowed;
  }

  public List<String> getReasons() {
    return Collections.unmodifiableList(reasons);
  }

  /** Names of the profiles applied so far, in application order. */
  public List<String> getProfiles() {
    return Collections.unmodifiableList(profiles);
  }

  public int getGpu() {
    return gpu;
  }

  public Set<String> getEnvNames() {
    return Collections.unmodifiableSet(env.keySet());
  }

  /**
   * Resources keyed like {@code requests.cpu}, {@code limits.memory}, {@code
   * limits.nvidia.com/gpu}.
   */
  public Map<String, Quantity> getResources() {
    return Collections.unmodifiableMap(resources);
  }

  public List<Toleration> getTolerations() {
    return Collections.unmodifiableList(tolerations);
  }

  public Set<String> getVolumeNames() {
    return Collections.unmodifiableSet(volumes.keySet());
  }

  public Set<String> getServiceNames() {
    return Collections.unmodifiableSet(services.keySet());
  }

  /** The memory limit in bytes, or -1 when none is set. */
  public long getMemoryLimitBytes() {
    return bytes("limits.memory");
  }

  public long getMemoryRequestBytes() {
    return bytes("requests.memory");
  }

  /** The CPU limit in millicores, or -1 when none is set. */
  public long getCpuLimitMillis() {
    return millis("limits.cpu");
  }

  public long getCpuRequestMillis() {
    return millis("requests.cpu");
  }

  // Rules read these figures after every change; parsing a quantity costs more than the rest of a
  // property check, so each one is converted once, when it is set.
  private final Map<String, Long> figures = new java.util.HashMap<>();
  private final Map<String, Long> millisFigures = new java.util.HashMap<>();

  private long bytes(String key) {
    return figures.computeIfAbsent(
        key,
        k -> {
          Quantity q = resources.get(k);
          return q == null ? -1L : Quantities.bytes(q);
        });
  }

  private long millis(String key) {
    return figures.computeIfAbsent(
        "millis:" + key,
        k -> {
          Quantity q = resources.get(key);
          return q == null ? -1L : Quantities.millis(q);
        });
  }

  public Quantity resource(String key) {
    return resources.get(key);
  }

  public boolean hasEnv(String name) {
    return env.containsKey(name);
  }

  /** The literal value of a variable, or null when unset or taken from a Secret/ConfigMap. */
  public String envValue(String name) {
    EnvVar e = env.get(name);
    return e == null ? null : e.getValue();
  }

  // ---------------------------------------------------------------- changes rules make

  /** Merges one matching profile over what earlier profiles set: the last writer wins per field. */
  @Modifies({
    "profiles",
    "envNames",
    "resources",
    "memoryLimitBytes",
    "memoryRequestBytes",
    "cpuLimitMillis",
    "cpuRequestMillis",
    "tolerations",
    "volumeNames",
    "serviceNames",
    "gpu",
    "protectedEnv"
  })
  public void apply(ProfileMatch match) {
    Profile p = match.getProfile();
    profiles.add(p.name());
    p.env().forEach(this::putEnv);
    protectedEnv.addAll(p.protectedEnv());
    p.resources().forEach(this::putResource);
    p.tolerations().forEach(this::addTolerationUnlessPresent);
    NodeAffinity a = p.nodeAffinity();
    if (a != null) {
      if (a.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
        requiredAffinity = a.getRequiredDuringSchedulingIgnoredDuringExecution();
        trace(
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
            requiredAffinity);
      }
      if (a.getPreferredDuringSchedulingIgnoredDuringExecution() != null
          && !a.getPreferredDuringSchedulingIgnoredDuringExecution().isEmpty()) {
        preferredAffinity = a.getPreferredDuringSchedulingIgnoredDuringExecution();
        trace(
            "affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
            preferredAffinity);
      }
    }
    for (ProfileVolume v : p.volumes()) {
      volumes.put(v.name(), v);
      trace("volumes.", v.name(), v);
    }
    p.services()
        .forEach(
            (name, spec) -> {
              services.put(name, spec);
              trace("services.", name, spec);
            });
    mergePod(p.pod());
    if (p.gpu() != null) {
      setGpuCount(p.gpu());
    }
  }

  /** Applies the chosen size over every profile, per resource key. */
  @Modifies({
    "resources",
    "memoryLimitBytes",
    "memoryRequestBytes",
    "cpuLimitMillis",
    "cpuRequestMillis"
  })
  public void applySize(Size size) {
    size.resources().forEach(this::putResource);
    mergePod(size.pod());
  }

  /** Merges pod settings as the last writer: per key, by name, or whole. */
  private void mergePod(PodSettings settings) {
    PodMerge.merge(settings, pod, log);
  }

  /** The pod settings merged so far. */
  public PodSettings podSettings() {
    return pod.build();
  }

  @Modifies({"envNames"})
  public void setEnv(String name, String value) {
    if (restraint.withholds("would set env " + name)) {
      return;
    }
    putEnv(new EnvVar(name, value, null));
  }

  @Modifies({"envNames"})
  public void setEnvVar(EnvVar var) {
    if (restraint.withholds("would set env " + var.getName())) {
      return;
    }
    putEnv(var);
  }

  /** The variables matching profiles marked {@code protected: true}. */
  public Set<String> getProtectedEnv() {
    return Collections.unmodifiableSet(protectedEnv);
  }

  /** True when a matching profile marked the variable {@code protected: true}. */
  public boolean isProtected(String name) {
    return protectedEnv.contains(name);
  }

  /** Sets one of the user's own variables (a secret one as a secretKeyRef). */
  @Modifies({"envNames"})
  public void setOwnVariable(OwnVariable v) {
    putEnv(v.getEnvVar());
  }

  @Modifies({"envNames"})
  public void removeEnv(String name) {
    if (env.containsKey(name) && restraint.withholds("would remove env " + name)) {
      return;
    }
    if (env.remove(name) != null) {
      trace("env.", name, null);
    }
  }

  /** Sets a resource, e.g. {@code setResource("limits.memory", "8Gi")}. */
  @Modifies({
    "resources",
    "memoryLimitBytes",
    "memoryRequestBytes",
    "cpuLimitMillis",
    "cpuRequestMillis"
  })
  public void setResource(String key, String quantity) {
    Quantity q = ResourceValues.parse(key, quantity);
    if (restraint.withholds("would set " + key + " to " + quantity)) {
      return;
    }
    putResource(key, q);
  }

  /** Lowers a resource to {@code max} if it is set higher; leaves it alone otherwise. */
  @Modifies({
    "resources",
    "memoryLimitBytes",
    "memoryRequestBytes",
    "cpuLimitMillis",
    "cpuRequestMillis"
  })
  public void capResource(String key, String max) {
    Quantity cap = ResourceValues.parse(key, max);
    Quantity current = resources.get(key);
    if (current != null && Quantities.compare(current, cap) > 0) {
      if (restraint.withholds("would cap " + key + " at " + max + " (it is " + current + ")")) {
        return;
      }
      putResource(key, cap);
    }
  }

  @Modifies({"tolerations"})
  public void addTolerations(List<Toleration> list) {
    if (restraint.withholds("would add " + list.size() + " toleration(s)")) {
      return;
    }
    list.forEach(this::addTolerationUnlessPresent);
  }

  /**
   * Steers a GPU pod to nodes of the given GPU types: it must still meet the node affinity the
   * profiles required, and also be on a node of at least one of the types (a type without a
   * required affinity means any node will do). Their preferences are added to the profiles'.
   */
  @Modifies({"nodeAffinity"})
  public void requireNodesOf(List<GpuKind> kinds) {
    if (restraint.withholds("would steer the pod to GPU nodes")) {
      return;
    }
    GpuNodes nodes = GpuNodes.of(kinds);
    List<PreferredSchedulingTerm> preferred = nodes.preferred();
    NodeSelector gpuNodes = nodes.required();
    if (gpuNodes != null) {
      requiredAffinity = NodeSelectors.both(requiredAffinity, gpuNodes);
      trace(
          "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", requiredAffinity);
    }
    if (!preferred.isEmpty()) {
      List<PreferredSchedulingTerm> all = new ArrayList<>();
      if (preferredAffinity != null) {
        all.addAll(preferredAffinity);
      }
      all.addAll(preferred);
      preferredAffinity = all;
      trace(
          "affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
          preferredAffinity);
    }
  }

  /** The node affinity so far (a property rules can react to), or null. */
  public NodeAffinity getNodeAffinity() {
    return nodeAffinity();
  }

  @Modifies({"gpu", "resources"})
  public void setGpu(int count) {
    if (restraint.withholds("would set the GPU count to " + count + " (it is " + gpu + ")")) {
      return;
    }
    setGpuCount(count);
  }

  /**
   * Refuses the spawn; the reason is shown to the user. Later rules still run and may add theirs.
   */
  @Modifies({"allowed", "reasons"})
  public void deny(String reason) {
    if (restraint.withholds(reason)) {
      return;
    }
    allowed = false;
    reasons.add(reason);
    trace("allowed", false);
  }

  // ---------------------------------------------------------------- internals

  private void setGpuCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("a GPU count cannot be negative: " + count);
    }
    gpu = count;
    trace("gpu", count);
  }

  private void putEnv(EnvVar var) {
    env.put(var.getName(), var);
    trace("env.", var.getName(), var.getValueFrom() != null ? var.getValueFrom() : var.getValue());
  }

  private void putResource(String key, Quantity q) {
    resources.put(key, q);
    if (!figures.isEmpty() || !millisFigures.isEmpty()) {
      figures.clear();
      millisFigures.clear();
    }
    trace("resources.", key, q);
  }

  private void addTolerationUnlessPresent(Toleration t) {
    if (!tolerations.contains(t)) {
      tolerations.add(t);
      trace("tolerations[" + (tolerations.size() - 1) + "]", t);
    }
  }

  private void trace(String field, Object value) {
    trace(field, null, value);
  }

  private void trace(String prefix, String name, Object value) {
    log.write(prefix, name, value);
  }

  // ---------------------------------------------------------------- for the engine (not rules)

  /** Called by the audit listener before each rule fires. */
  public void actingAs(Actor a) {
    log.actingAs(a);
  }

  /**
   * Called by the audit listener before each rule fires: whether the rule warns only ({@code
   * @warn}) or an exception keeps it from acting for this user (null: none).
   */
  public void restrain(String rule, boolean warn, RuleException exempt) {
    restraint.set(rule, warn, exempt);
  }

  /** What rules in warn mode would have done. */
  public List<Warning> warnings() {
    return restraint.warnings();
  }

  /** The exceptions that kept a rule from acting. */
  public List<RuleException> exceptionsApplied() {
    return restraint.applied();
  }

  /** The rule firing now (or last), for error messages. */
  public String currentRule() {
    return log.actor().rule();
  }

  /** Called by the audit listener after each rule fired: the current actor is the one that did. */
  public void recordFired() {
    log.recordFired();
  }

  public List<FiredRule> firedRules() {
    return log.firedRules();
  }

  public List<EnvVar> env() {
    return new ArrayList<>(env.values());
  }

  public Map<String, Quantity> resources() {
    return resources;
  }

  public NodeAffinity nodeAffinity() {
    if (requiredAffinity == null && preferredAffinity == null) {
      return null;
    }
    return new NodeAffinity(preferredAffinity, requiredAffinity);
  }

  public List<ProfileVolume> volumes() {
    return new ArrayList<>(volumes.values());
  }

  public Map<String, ServiceSpec> services() {
    return services;
  }

  /** Who set each field and what it overrode, replayed from the write log. */
  public Map<String, FieldTrace> fieldTraces() {
    return log.fieldTraces();
  }

  /** Fails a request-level check from a rule, e.g. a GPU count above what is allowed. */
  public static InvalidRequestException invalid(String field, String message) {
    return new InvalidRequestException(field, message);
  }
}
