package io.hubpolicy.authoring;

import io.hubpolicy.authoring.LintLocations.Location;
import io.hubpolicy.catalog.Catalog;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.NotebookImages;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.model.ImageChoices;
import io.hubpolicy.model.ImageOffer;
import io.hubpolicy.model.ImagePattern;
import io.hubpolicy.model.NotebookImage;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.services.PlannedService;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.ServiceTarget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code hubpolicy lint}: everything {@code validate} reports, as errors, and the findings of the
 * checks in this package, each with a stable code ({@link LintCode}). What makes each finding true,
 * and how the profile index works, is in DESIGN.md beside this file.
 */
public final class Lint {
  /**
   * What to lint.
   *
   * @param profiles the profile sources, in configuration order
   * @param rules every DRL file, the built-in ones included
   * @param profileProblems what could not be read of the profile paths
   * @param ruleProblems what could not be read of the rule paths
   * @param cluster what the cluster holds ({@code --kube}, {@code --manifests}), or null
   * @param clusterProblems what could not be read of the manifests
   * @param planner renders service templates among the files, or null not to
   */
  public record Input(
      List<ConfigSource> profiles,
      List<RuleSource> rules,
      List<Problem> profileProblems,
      List<Problem> ruleProblems,
      ClusterObjects cluster,
      List<Problem> clusterProblems,
      Function<PolicyConfig, ServicePlanner> planner) {
    public Input {
      profileProblems = profileProblems == null ? List.of() : List.copyOf(profileProblems);
      ruleProblems = ruleProblems == null ? List.of() : List.copyOf(ruleProblems);
      clusterProblems = clusterProblems == null ? List.of() : List.copyOf(clusterProblems);
    }

    /** Files only: no cluster, no rendering. */
    public Input(List<ConfigSource> profiles, List<RuleSource> rules) {
      this(profiles, rules, List.of(), List.of(), null, List.of(), null);
    }
  }

  private Lint() {}

  public static LintReport run(Input in) {
    return run(in, new RuleBaseBuilder().check(in.profiles(), in.rules()));
  }

  /** Lint on what {@link RuleBaseBuilder#check} made of the input (the benchmark times both). */
  public static LintReport run(Input in, RuleBaseBuilder.Report built) {
    List<LintFinding> out = new ArrayList<>();
    in.profileProblems().forEach(p -> out.add(problem(LintCode.INVALID_CONFIGURATION, p)));
    in.ruleProblems().forEach(p -> out.add(problem(LintCode.INVALID_RULES, p)));
    in.clusterProblems().forEach(p -> out.add(problem(LintCode.INVALID_MANIFESTS, p)));
    Set<String> ruleNames = new HashSet<>();
    in.rules().forEach(r -> ruleNames.add(r.name()));
    boolean profilesLoad = in.profileProblems().isEmpty();
    for (Problem p : built.problems()) {
      boolean rule =
          ruleNames.contains(p.source())
              || p.source().endsWith(".drl")
              || p.source().startsWith("<rules>")
              || p.source().startsWith("classpath:");
      profilesLoad &= rule;
      out.add(problem(rule ? LintCode.INVALID_RULES : LintCode.INVALID_CONFIGURATION, p));
    }
    PolicyConfig config = built.config();
    LintLocations where = new LintLocations(in.profiles());

    boolean readsProfiles = false;
    Set<String> literals = new HashSet<>();
    List<LintRules.SizeReference> sizeReferences = new ArrayList<>();
    for (RuleSource r : in.rules()) {
      LintRules scanned = new LintRules(r);
      readsProfiles |= scanned.readsProfiles();
      literals.addAll(scanned.literals());
      sizeReferences.addAll(scanned.sizeReferences());
    }
    boolean anyProfileRead = readsProfiles;

    LintProfiles profiles = new LintProfiles(config.profiles(), where, out);
    profiles.variables();
    profiles.shadowing(p -> anyProfileRead || literals.contains(p.name()));
    profiles.names();
    java.time.Instant now = java.time.Instant.now();
    for (io.hubpolicy.model.RuleException e : config.exceptions()) {
      if (e.expiredAt(now)) {
        out.add(
            new LintFinding(
                LintCode.EXPIRED_EXCEPTION,
                e.source().source(),
                e.source().line(),
                "exceptions." + e.name(),
                "exception '"
                    + e.name()
                    + "' expired at "
                    + e.until()
                    + " and no longer keeps "
                    + String.join(", ", e.rules())
                    + " from acting; remove it or move its date"));
      }
    }
    LintSizes sizes = new LintSizes(config.sizes(), where, out);
    sizes.choosable();
    // Checks that something is absent hold only when the whole configuration was read.
    if (profilesLoad) {
      profiles.unmatchable(universe(config, in.cluster()));
      sizes.referencedByRules(sizeReferences);
    }
    if (in.cluster() != null) {
      new LintReferences(in.cluster(), config.templates(), where, out).check(config.profiles());
      if (profilesLoad) {
        sizes.savedChoices(in.cluster());
      }
      sizes.schedulable(in.cluster());
    }
    if (in.planner() != null && built.problems().isEmpty()) {
      renderTemplates(config, in.planner().apply(config), profiles, where, out);
    }
    return new LintReport(out);
  }

  private static LintFinding problem(LintCode code, Problem p) {
    return new LintFinding(
        code, LintLocations.fileOf(p.source()), p.line(), p.field(), p.message());
  }

  /**
   * The images a request can name, when something says: the configuration's {@code images:}
   * (without {@code unlistedImages:}, a request for any other image is refused), else the
   * ImageStreams of the cluster. Null when neither limits them.
   */
  static LintProfiles.Universe universe(PolicyConfig config, ClusterObjects cluster) {
    ImageChoices choices = config.images();
    if (choices.unlisted() != null) {
      return null;
    }
    if (!choices.offers().isEmpty()) {
      List<String> offered = new ArrayList<>();
      for (ImageOffer o : choices.offers()) {
        offered.add(o.image().entry());
      }
      return new LintProfiles.Universe(
          "the images the configuration's images: section offers " + offered,
          e -> offered.stream().anyMatch(o -> LintImages.mayIntersect(e, o)));
    }
    if (cluster != null && cluster.knows(ClusterObjects.Kind.IMAGE_STREAM)) {
      Catalog catalog = NotebookImages.fromImageStreams(cluster.imageStreams());
      Set<String> names = new LinkedHashSet<>();
      for (NotebookImage i : catalog.images()) {
        names.add(i.name());
        if (i.pullSpec() != null) {
          names.add(i.pullSpec());
        }
      }
      if (!names.isEmpty()) {
        return new LintProfiles.Universe(
            "the "
                + catalog.images().size()
                + " images of the ImageStreams in "
                + cluster.describe(),
            e -> {
              ImagePattern p = new ImagePattern(e);
              return names.stream().anyMatch(p::matches);
            });
      }
    }
    return null;
  }

  /**
   * Renders every service whose templates are among the files for an example user, as {@code
   * validate} does; one that fails is reported (serve loads it; the launch would fail), unless a
   * later profile replaces that service wherever this one applies (it is then never launched).
   */
  private static void renderTemplates(
      PolicyConfig config,
      ServicePlanner planner,
      LintProfiles profiles,
      LintLocations where,
      List<LintFinding> out) {
    ServiceTarget example = new ServiceTarget("example-user", "", "example-namespace");
    for (Profile p : config.profiles()) {
      p.services()
          .forEach(
              (name, spec) -> {
                if (!amongFiles(config.templates(), spec) || profiles.serviceOverridden(p, name)) {
                  return;
                }
                PlannedService planned = planner.plan(name, spec, example);
                if (!planned.ok()) {
                  Location at = where.subKey(p, "services", name);
                  out.add(
                      new LintFinding(
                          LintCode.SERVICE_TEMPLATE,
                          at.file(),
                          at.line(),
                          at.field(),
                          planned.error()
                              + " (rendered for an example user; launching it would fail)"));
                }
              });
    }
  }

  private static boolean amongFiles(ServiceTemplates t, ServiceSpec spec) {
    if (spec.template() != null) {
      return t.openShiftTemplate(spec.template()).isPresent()
          || t.configMaps().containsKey(spec.template());
    }
    for (TemplateRef r : spec.resources()) {
      if (t.configMapKey(r.name(), r.path()).isEmpty()) {
        return false;
      }
    }
    return true;
  }
}
