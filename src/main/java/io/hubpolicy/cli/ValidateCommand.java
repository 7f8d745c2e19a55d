package io.hubpolicy.cli;

import io.hubpolicy.app.Offline;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import io.hubpolicy.services.PlannedService;
import io.hubpolicy.services.ServiceNames;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.ServiceTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Checks profile files (.yaml, .yml, .json) and rule files (.drl) and reports every problem",
      "with file, line and field. Exit 0 when clean, 2 when not.",
      "Without PATH: the default profiles/ and rules/. DRL is always compiled together with the",
      "built-in rules, as serve would. Service templates among the files are rendered for an",
      "example user; one that fails is a warning (serve loads it, the launch would fail)."
    })
final class ValidateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Files or directories to check.")
  List<Path> paths = new ArrayList<>();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Problem> problems = new ArrayList<>();
    List<Path> profilePaths = new ArrayList<>();
    Set<Path> rulePaths = new LinkedHashSet<>();
    rulePaths.add(DefaultConfig.rules());
    if (paths.isEmpty()) {
      profilePaths.add(DefaultConfig.profiles());
    }
    for (Path p : paths) {
      if (!Files.exists(p)) {
        problems.add(new Problem(p.toString(), 0, "", "no such file or directory"));
      } else if (Files.isDirectory(p)) {
        boolean hasDrl;
        try (Stream<Path> files = Files.list(p)) {
          hasDrl = files.anyMatch(f -> f.toString().endsWith(".drl"));
        }
        if (hasDrl) {
          rulePaths.add(p);
        }
        profilePaths.add(p);
      } else if (p.toString().endsWith(".drl")) {
        rulePaths.add(p);
      } else {
        profilePaths.add(p);
      }
    }
    List<ConfigSource> profileSources = ConfigSources.fromPaths(profilePaths, problems);
    List<RuleSource> ruleSources =
        dedupe(RuleSource.fromPaths(new ArrayList<>(rulePaths), problems));
    RuleBaseBuilder.Report report = new RuleBaseBuilder().check(profileSources, ruleSources);
    problems.addAll(report.problems());
    report.notes().forEach(n -> out.println("note: " + n));
    for (Problem p : problems) {
      err.println(p);
    }
    PolicyConfig c = report.config();
    if (problems.isEmpty()) {
      // serve accepts these (templates render at launch), so they warn rather than fail.
      List<Problem> templateProblems = new ArrayList<>();
      checkServiceTemplates(c, templateProblems, out);
      templateProblems.forEach(p -> err.println("warning: " + p));
    }
    if (!problems.isEmpty()) {
      err.println(
          problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + " in "
              + profileSources.size()
              + " profile source(s) and "
              + ruleSources.size()
              + " rule file(s)");
      return Main.BAD_INPUT;
    }
    RuleBase rb = report.ruleBase();
    out.printf(
        "OK: %d profile(s), %d size(s), %d GPU type(s) from %d source(s); %d rule file(s); revision %s%n",
        c.profiles().size(),
        c.sizes().size(),
        c.gpuTypes().size(),
        profileSources.size(),
        ruleSources.size(),
        rb.revision());
    return Main.OK;
  }

  /**
   * Renders every service whose templates are among the files, for an example user, so that a
   * template error shows here rather than at a user's spawn (a warning: the profiles still load).
   * Templates that are not among the files are read from the cluster at run time; those are only
   * noted.
   */
  private static void checkServiceTemplates(
      PolicyConfig c, List<Problem> problems, PrintWriter out) {
    ServicePlanner planner = Offline.planner(c);
    // A hub sends its user id with a launch, so templates may use userid.
    ServiceTarget example =
        new ServiceTarget(
            "example-user", "", "example-namespace", ServiceNames.DEFAULT_HUB_INSTANCE, 1L);
    for (Profile p : c.profiles()) {
      p.services()
          .forEach(
              (name, spec) -> {
                String missing = missingTemplate(c.templates(), spec);
                if (missing != null) {
                  out.println(
                      "note: "
                          + p.source()
                          + ": service "
                          + name
                          + " uses "
                          + missing
                          + ", which is not among these files (read from the cluster at launch)");
                  return;
                }
                PlannedService planned = planner.plan(name, spec, example);
                if (!planned.ok()) {
                  problems.add(
                      new Problem(
                          p.source().source(),
                          p.source().line(),
                          "profile '" + p.name() + "' services." + name,
                          planned.error()));
                }
              });
    }
  }

  private static String missingTemplate(ServiceTemplates t, ServiceSpec spec) {
    if (spec.template() != null) {
      return t.openShiftTemplate(spec.template()).isPresent()
              || t.configMaps().containsKey(spec.template())
          ? null
          : "Template " + spec.template();
    }
    for (TemplateRef r : spec.resources()) {
      if (t.configMapKey(r.name(), r.path()).isEmpty()) {
        return "ConfigMap " + r.name() + " key " + r.path();
      }
    }
    return null;
  }

  static List<RuleSource> dedupe(List<RuleSource> sources) {
    Set<String> seen = new LinkedHashSet<>();
    List<RuleSource> out = new ArrayList<>();
    for (RuleSource r : sources) {
      String key;
      try {
        key = Path.of(r.name()).toRealPath().toString();
      } catch (IOException | RuntimeException e) {
        key = r.name();
      }
      if (seen.add(key)) {
        out.add(r);
      }
    }
    return out;
  }
}
