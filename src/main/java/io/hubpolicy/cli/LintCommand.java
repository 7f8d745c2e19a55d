package io.hubpolicy.cli;

import io.hubpolicy.app.Offline;
import io.hubpolicy.authoring.Lint;
import io.hubpolicy.authoring.LintReport;
import io.hubpolicy.authoring.ManifestObjects;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "lint",
    mixinStandardHelpOptions = true,
    description = {
      "Reports what validate reports (as errors) and what loads but is likely wrong: duplicate",
      "profiles and variables, profiles later ones always overwrite or no request matches, sizes",
      "nobody can choose or rules name wrongly; with --kube or --manifests also references to",
      "objects the cluster does not hold and sizes no node can hold. One finding per line,",
      "file:line: severity code: message (docs/lint.md explains each code).",
      "Exit 2 with an error, 1 with a warning under --strict, else 0."
    })
final class LintCommand implements Callable<Integer> {
  @Mixin ConfigOptions config;

  @Option(
      names = "--format",
      paramLabel = "text|json",
      defaultValue = "text",
      description =
          "text (one finding per line) or json (a list of {code, severity, file, line,"
              + " field, message}). Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(names = "--strict", description = "Exit 1 when there is a warning (and no error).")
  boolean strict;

  @ArgGroup(exclusive = true)
  Cluster cluster;

  static final class Cluster {
    @Option(
        names = "--kube",
        description =
            "Compare with the cluster (kubeconfig or the pod's service account): Secrets,"
                + " ConfigMaps, PersistentVolumeClaims, Templates, ImageStreams of --namespace, and"
                + " Nodes. Only listed, never changed.")
    boolean kube;

    @Option(
        names = "--manifests",
        paramLabel = "DIR",
        description =
            "Compare with the cluster objects in the YAML/JSON files under DIR (kubectl get -o"
                + " yaml), as --kube would.")
    Path manifests;
  }

  @Option(
      names = "--namespace",
      defaultValue = "${env:HUBPOLICY_NAMESPACE}",
      description =
          "Namespace to compare with (--kube). Default: the service account's, else the"
              + " kubeconfig's. Env: HUBPOLICY_NAMESPACE.")
  String namespace;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--format must be text or json, not '" + format + "'");
    }
    List<Problem> profileProblems = new ArrayList<>();
    List<Problem> ruleProblems = new ArrayList<>();
    List<Problem> clusterProblems = new ArrayList<>();
    List<ConfigSource> profiles = ConfigSources.fromPaths(config.profilePaths(), profileProblems);
    List<RuleSource> rules =
        ValidateCommand.dedupe(RuleSource.fromPaths(config.rulePaths(), ruleProblems));
    ClusterObjects objects = null;
    if (cluster != null && cluster.kube) {
      objects = Offline.clusterObjects(namespace);
    } else if (cluster != null && cluster.manifests != null) {
      objects = ManifestObjects.read(cluster.manifests, clusterProblems);
    }
    LintReport report =
        Lint.run(
            new Lint.Input(
                profiles,
                rules,
                profileProblems,
                ruleProblems,
                objects,
                clusterProblems,
                Offline::planner));
    out.print(format.equals("json") ? report.json() : report.text());
    out.flush();
    if (format.equals("text")) {
      err.println(
          report.summary()
              + " in "
              + profiles.size()
              + " profile source(s) and "
              + rules.size()
              + " rule file(s)"
              + (objects == null ? "" : ", compared with " + objects.describe()));
    }
    return report.exitCode(strict);
  }
}
