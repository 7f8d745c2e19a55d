package io.hubpolicy.services;

import io.hubpolicy.model.Lifecycle;
import java.util.List;

/**
 * Carries out planned launches and stops against a cluster. {@link ServiceLauncher} is the real
 * one; {@link #NONE} stands in where hubpolicy runs without a Kubernetes API (file mode).
 */
public interface Launcher {
  /** The namespace the services live in. */
  String namespace();

  ServiceLauncher.Launch launch(ServiceTarget target, List<PlannedService> plan);

  ServiceLauncher.Stopped stop(String user, String server, Lifecycle event);

  /**
   * Without a cluster: a launch that would create something fails with {@link NoClusterException};
   * a stop has nothing to end, since no launch could have created anything.
   */
  static Launcher none(String namespace) {
    return new Launcher() {
      @Override
      public String namespace() {
        return namespace;
      }

      @Override
      public ServiceLauncher.Launch launch(ServiceTarget target, List<PlannedService> plan) {
        throw new NoClusterException(
            "the decision has services ("
                + String.join(", ", plan.stream().map(PlannedService::name).toList())
                + ") but hubpolicy runs without a Kubernetes API; start it with --kube to"
                + " launch them");
      }

      @Override
      public ServiceLauncher.Stopped stop(String user, String server, Lifecycle event) {
        return new ServiceLauncher.Stopped(List.of(), List.of());
      }
    };
  }
}
