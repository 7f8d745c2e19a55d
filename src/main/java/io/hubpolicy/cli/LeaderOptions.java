package io.hubpolicy.cli;

import io.hubpolicy.app.ServeSettings;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s leader election and the clean-up its leader runs (cluster mode; see
 * docs/replicas.md).
 */
final class LeaderOptions {
  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "${env:HUBPOLICY_LEADER_ELECTION:-true}",
      fallbackValue = "true",
      description =
          "With --kube: replicas elect a leader on a Lease, and the leader ends the side services"
              + " of user servers that have had no notebook pod for --orphan-grace (see"
              + " docs/replicas.md). On by default; --no-leader-election for a hub whose spawner"
              + " makes no pods. Env: HUBPOLICY_LEADER_ELECTION.")
  boolean leaderElection;

  @Option(
      names = "--lease-name",
      defaultValue = "${env:HUBPOLICY_LEASE_NAME:-hubpolicy-leader}",
      description = "The leader's Lease. Env: HUBPOLICY_LEASE_NAME. Default: ${DEFAULT-VALUE}.")
  String leaseName;

  @Option(
      names = "--lease-namespace",
      defaultValue = "${env:HUBPOLICY_LEASE_NAMESPACE}",
      description = "The Lease's namespace. Default: --namespace. Env: HUBPOLICY_LEASE_NAMESPACE.")
  String leaseNamespace;

  @Option(
      names = "--lease-duration",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_LEASE_DURATION:-15}",
      description =
          "How long a lease lasts unrenewed: the longest a dead leader's work waits for another"
              + " replica. Env: HUBPOLICY_LEASE_DURATION. Default: ${DEFAULT-VALUE}.")
  double leaseDuration;

  @Option(
      names = "--orphan-grace",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_ORPHAN_GRACE:-300}",
      description =
          "How long a user server must have had no notebook pod before the leader ends its side"
              + " services. Env: HUBPOLICY_ORPHAN_GRACE. Default: ${DEFAULT-VALUE}.")
  double orphanGrace;

  @Option(
      names = "--orphan-interval",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_ORPHAN_INTERVAL:-60}",
      description =
          "Time between the leader's clean-up passes. Env: HUBPOLICY_ORPHAN_INTERVAL."
              + " Default: ${DEFAULT-VALUE}.")
  double orphanInterval;

  @Option(
      names = "--notebook-namespace",
      defaultValue = "${env:HUBPOLICY_NOTEBOOK_NAMESPACE}",
      description =
          "Where the hub's notebook pods are. Default: --namespace."
              + " Env: HUBPOLICY_NOTEBOOK_NAMESPACE.")
  String notebookNamespace;

  @Option(
      names = "--notebook-selector",
      paramLabel = "KEY=VALUE[,...]",
      defaultValue = "${env:HUBPOLICY_NOTEBOOK_SELECTOR:-component=singleuser-server}",
      description =
          "The labels of a notebook pod (KubeSpawner's component_label)."
              + " Env: HUBPOLICY_NOTEBOOK_SELECTOR. Default: ${DEFAULT-VALUE}.")
  String notebookSelector;

  ServeSettings.Leadership settings() {
    return new ServeSettings.Leadership(
        leaseName,
        ServeCommand.blankToNull(leaseNamespace),
        ServeCommand.seconds("--lease-duration", leaseDuration, 1),
        LeaderIdentity.next(),
        ServeCommand.seconds("--orphan-grace", orphanGrace, 0),
        ServeCommand.seconds("--orphan-interval", orphanInterval, 0.1),
        ServeCommand.blankToNull(notebookNamespace),
        ServeSettings.labels("--notebook-selector", notebookSelector));
  }
}
