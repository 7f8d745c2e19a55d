package io.hubpolicy.engine;

import io.hubpolicy.engine.facts.GpuKind;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.WhyNot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.kie.api.KieBase;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.KieSessionsPool;

/**
 * One compiled configuration: the KieBase, the profile index and the revision that identifies them.
 * Immutable once built, so requests in flight keep the one they started with while a new one is
 * swapped in.
 */
public final class RuleBase {
  private final String revision;
  private final PolicyConfig config;
  private final KieBase kieBase;
  private final ProfileIndex index;
  private final Map<String, Size> sizes;
  private final List<GpuKind> gpuKinds;
  private final List<String> ruleSources;
  private final List<RuleSource> rules;
  private final Instant builtAt = Instant.now();
  private final KieSessionsPool sessions;
  private final RuleLocations ruleLocations;

  /**
   * @param sessions a pool over {@code kieBase}, shared by every rule base built from the same
   *     rules (a session holds nothing of the configuration between decisions: {@link
   *     DecisionEngine} inserts the matching profiles into each)
   * @param previousIndex the index of an earlier rule base to share unchanged parts with, or null
   */
  RuleBase(
      String revision,
      PolicyConfig config,
      KieBase kieBase,
      KieSessionsPool sessions,
      List<String> ruleSources,
      List<RuleSource> rules,
      RuleLocations ruleLocations,
      ProfileIndex previousIndex) {
    this.ruleLocations = ruleLocations;
    this.revision = revision;
    this.config = config;
    this.kieBase = kieBase;
    this.sessions = sessions;
    this.index = ProfileIndex.of(config.profiles(), previousIndex);
    this.sizes = config.sizesByName();
    this.gpuKinds =
        java.util.stream.IntStream.range(0, config.gpuTypes().size())
            .mapToObj(i -> new GpuKind(config.gpuTypes().get(i), i))
            .toList();
    this.ruleSources = List.copyOf(ruleSources);
    this.rules = List.copyOf(rules);
  }

  public String revision() {
    return revision;
  }

  public PolicyConfig config() {
    return config;
  }

  public Map<String, Size> sizes() {
    return sizes;
  }

  public List<String> ruleSources() {
    return ruleSources;
  }

  /**
   * The DRL this rule base was built from, beyond the built-in merge rules: what a candidate
   * configuration is built with when only its profiles change (the console's diff).
   */
  public List<RuleSource> rules() {
    return rules;
  }

  public Instant builtAt() {
    return builtAt;
  }

  /** {@code file:line} where a rule is written, or null. */
  String ruleSource(String pkg, String name) {
    return ruleLocations.of(pkg, name);
  }

  KieBase kieBase() {
    return kieBase;
  }

  /** A clean session; {@code dispose()} returns it to this rule base's pool. */
  KieSession newSession() {
    return sessions.newKieSession();
  }

  List<GpuKind> gpuKinds() {
    return gpuKinds;
  }

  ProfileIndex index() {
    return index;
  }

  /** The profiles that apply to a request, in configuration order. */
  public List<Profile> matching(SpawnRequest r) {
    return index.matching(r);
  }

  /**
   * Why the profiles that do not apply to a request do not: the close ones from the index, a page
   * or all of them on demand.
   */
  public WhyNot whyNot(SpawnRequest r) {
    return index.whyNot(r);
  }
}
