package io.hubpolicy.engine;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.hubpolicy.engine.facts.ChosenSize;
import io.hubpolicy.engine.facts.GpuChoice;
import io.hubpolicy.engine.facts.GpuKind;
import io.hubpolicy.engine.facts.OfferedImages;
import io.hubpolicy.engine.facts.Outcome;
import io.hubpolicy.engine.facts.OwnVariable;
import io.hubpolicy.engine.facts.ProfileMatch;
import io.hubpolicy.engine.facts.Spawn;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.Placeholders;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.RuleException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserVariable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.kie.api.runtime.KieSession;

/**
 * Decides spawns against the current rule base. A decision runs one session, taken from the rule
 * base's pool and reset when returned, with only the request, the matching profiles and the chosen
 * size as facts; compiling happens elsewhere, once per configuration. {@link #swap} replaces the
 * rule base atomically: a decision in flight finishes on the one it started with.
 */
public final class DecisionEngine {
  /** More firings than any sane policy needs: a rule that keeps re-activating itself. */
  static final int MAX_FIRINGS = 10_000;

  private final AtomicReference<RuleBase> current;

  /** {@code initial} may be null when the configuration arrives later (see PolicyReloader). */
  public DecisionEngine(RuleBase initial) {
    this.current = new AtomicReference<>(initial);
  }

  /** The rule base serving now. */
  public RuleBase ruleBase() {
    RuleBase rb = current.get();
    if (rb == null) {
      throw new NoRuleBaseException();
    }
    return rb;
  }

  /** Null until a first configuration has loaded (only possible when reading from a cluster). */
  public RuleBase ruleBaseOrNull() {
    return current.get();
  }

  public void swap(RuleBase next) {
    current.set(next);
  }

  public Decision decide(SpawnRequest request) {
    return decide(request, ruleBase());
  }

  public static Decision decide(SpawnRequest raw, RuleBase rb) {
    SpawnRequest request = normalise(raw, rb);
    Outcome outcome = new Outcome();
    KieSession session = rb.newSession();
    AuditListener audit = new AuditListener(outcome, rb, activeExceptions(request, rb));
    try {
      session.addEventListener(audit);
      session.insert(new Spawn(request));
      for (Profile p : rb.matching(request)) {
        session.insert(new ProfileMatch(p));
      }
      if (request.size() != null) {
        session.insert(new ChosenSize(rb.sizes().get(request.size())));
      }
      // The GPU types this decision may use: the pod goes to their nodes only.
      for (GpuKind g : gpuKinds(request, rb)) {
        session.insert(g);
      }
      for (UserVariable v : request.preferences().env()) {
        session.insert(new OwnVariable(request.user(), v));
      }
      if (request.requestedGpu() != null) {
        session.insert(new GpuChoice(request.requestedGpu(), request.gpu() != null));
      }
      if (rb.config().images().restricted()) {
        session.insert(new OfferedImages(rb.config().images()));
      }
      session.insert(outcome);
      int fired = session.fireAllRules(MAX_FIRINGS);
      if (fired >= MAX_FIRINGS) {
        throw new RulesDidNotSettleException(MAX_FIRINGS, outcome.firedRules());
      }
    } catch (PolicyException e) {
      throw e;
    } catch (RuntimeException e) {
      // Drools wraps what a consequence throws; a rule rejecting the request stays a bad request.
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        if (c instanceof InvalidRequestException ire) {
          throw ire;
        }
      }
      throw new RuleFailedException(e, outcome.currentRule());
    } finally {
      // dispose() resets the session into its pool; the pool's reset drops listeners too (see
      // SessionReuseTest), but this one holds the decision and must never outlive it.
      session.removeEventListener(audit);
      session.dispose();
    }
    return toDecision(request, rb, outcome);
  }

  /** Checks and tidies the request: a user is required; "Default" or empty size means none. */
  static SpawnRequest normalise(SpawnRequest r, RuleBase rb) {
    if (r.user() == null || r.user().isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    String size = r.size();
    if (size != null && (size.isBlank() || size.equals("Default"))) {
      size = null;
    }
    if (size != null && !rb.sizes().containsKey(size)) {
      throw new InvalidRequestException(
          "size",
          "unknown size '"
              + size
              + "'; valid sizes: "
              + (rb.sizes().isEmpty()
                  ? "(none configured)"
                  : String.join(", ", rb.sizes().keySet()))
              + ", or Default for none");
    }
    String image = r.image() == null || r.image().isBlank() ? null : r.image().trim();
    if (r.gpu() != null && r.gpu() < 0) {
      throw new InvalidRequestException("gpu", "gpu must be 0 or more; got " + r.gpu());
    }
    if (r.gpuType() != null
        && usableGpuKinds(r, rb).stream().noneMatch(g -> g.getType().equals(r.gpuType()))) {
      List<GpuKind> usable = usableGpuKinds(r, rb);
      throw new InvalidRequestException(
          "gpuType",
          "GPU type '"
              + r.gpuType()
              + "' is not one this user may choose; the types are: "
              + (usable.isEmpty()
                  ? "(none)"
                  : String.join(", ", usable.stream().map(GpuKind::getType).toList())));
    }
    return new SpawnRequest(
        r.user(),
        r.groups(),
        image,
        size,
        r.preferences(),
        r.gpu(),
        r.gpuType(),
        r.server(),
        r.userId());
  }

  /** The GPU types the user may use, in configuration order. */
  static List<GpuKind> usableGpuKinds(SpawnRequest r, RuleBase rb) {
    return rb.gpuKinds().stream()
        .filter(g -> g.getGpuType().audience().includes(r.user(), r.groups()))
        .toList();
  }

  /**
   * The GPU types a decision may use: the one chosen on the form; else the default type, when the
   * user may use it; else every type the user may use that asks by the first one's resource (a pod
   * asks for one extended resource, so types of other vendors cannot be among its choices).
   */
  static List<GpuKind> gpuKinds(SpawnRequest r, RuleBase rb) {
    List<GpuKind> usable = usableGpuKinds(r, rb);
    if (r.gpuType() != null) {
      return usable.stream().filter(g -> g.getType().equals(r.gpuType())).toList();
    }
    for (GpuKind g : usable) {
      if (g.getGpuType().isDefault()) {
        return List.of(g);
      }
    }
    if (usable.isEmpty()) {
      return usable;
    }
    String resource = usable.get(0).getResource();
    return usable.stream().filter(g -> g.getResource().equals(resource)).toList();
  }

  /** The exceptions that hold for this user now; most configurations have none. */
  private static List<RuleException> activeExceptions(SpawnRequest r, RuleBase rb) {
    List<RuleException> all = rb.config().exceptions();
    if (all.isEmpty()) {
      return List.of();
    }
    java.time.Instant now = java.time.Instant.now();
    return all.stream().filter(e -> e.appliesTo(r.user(), r.groups(), now)).toList();
  }

  private static Decision toDecision(SpawnRequest request, RuleBase rb, Outcome o) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    o.resources()
        .forEach(
            (key, q) -> {
              if (key.startsWith("requests.")) {
                requests.put(key.substring("requests.".length()), q);
              } else if (key.startsWith("limits.")) {
                limits.put(key.substring("limits.".length()), q);
              }
            });
    ResourceRequirements resources = new ResourceRequirements();
    resources.setRequests(requests);
    resources.setLimits(limits);
    NodeAffinity na = o.nodeAffinity();
    Affinity affinity = na == null ? null : new AffinityBuilder().withNodeAffinity(na).build();
    Placeholders.Values names = Expansion.of(request);
    return new Decision(
        newId(),
        rb.revision(),
        request,
        o.isAllowed(),
        List.copyOf(o.getReasons()),
        List.copyOf(o.getProfiles()),
        Expansion.env(o.env(), names),
        resources,
        new ArrayList<>(o.getTolerations()),
        affinity,
        Expansion.volumes(o.volumes(), names),
        o.getGpu(),
        new LinkedHashMap<>(o.services()),
        Expansion.pod(o.podSettings(), names),
        o.warnings(),
        o.exceptionsApplied(),
        List.copyOf(o.firedRules()),
        memoize(o::fieldTraces),
        rb.whyNot(request));
  }

  private static <T> java.util.function.Supplier<T> memoize(java.util.function.Supplier<T> s) {
    return new java.util.function.Supplier<>() {
      private volatile T value;

      @Override
      public T get() {
        T v = value;
        if (v == null) {
          v = s.get();
          value = v;
        }
        return v;
      }
    };
  }

  /** Time-ordered and unique enough to find in an audit log without a global counter. */
  static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "d-"
        + Long.toString(System.currentTimeMillis(), 36)
        + "-"
        + Long.toHexString(r.nextLong() | Long.MIN_VALUE).substring(1);
  }

  /** A policy rule threw: the decision cannot be trusted, so there is none. */
  public static final class RuleFailedException extends PolicyException {
    RuleFailedException(RuntimeException cause, String rule) {
      super("rule '" + rule + "' failed: " + rootMessage(cause), cause);
    }
  }

  /** The rules kept re-activating each other. */
  public static final class RulesDidNotSettleException extends PolicyException {
    RulesDidNotSettleException(int limit, List<io.hubpolicy.model.FiredRule> fired) {
      super(
          "rules fired "
              + limit
              + " times without settling; the last was '"
              + (fired.isEmpty() ? "?" : fired.get(fired.size() - 1).rule())
              + "' (a rule that modifies the Outcome it matches needs no-loop or a tighter condition)");
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
