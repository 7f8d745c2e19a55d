package io.hubpolicy.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.kube.ClusterInventory;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.ServiceNames;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.TemplateRenderer;
import io.hubpolicy.services.TemplateSource;

/**
 * The parts the one-shot commands ({@code decide}, {@code validate}, {@code lint}) run on: the same
 * services as {@code serve}, wired for one configuration read from files, without a cluster, an
 * audit log or users' saved choices. Built here so that only the composition root constructs
 * services.
 */
public final class Offline {
  private Offline() {}

  /**
   * Decisions on {@code rb}, rendering services from the configuration's own template files as they
   * would be created in {@code namespace}, for a hub with KubeTemplateSpawner's default instance
   * name.
   */
  public static DecisionService decisions(RuleBase rb, String namespace) {
    return new DecisionService(new DecisionEngine(rb), new PodMutator(), AuditLog.NONE)
        .withServices(planner(rb.config()), namespace, ServiceNames.DEFAULT_HUB_INSTANCE, false);
  }

  /** Renders services from the templates that came with {@code config}. */
  public static ServicePlanner planner(PolicyConfig config) {
    return new ServicePlanner(new TemplateRenderer(), TemplateSource.configured(config::templates));
  }

  /**
   * What the cluster holds, for {@code lint --kube}: listed once through a client configured as
   * {@code serve --kube}'s is (kubeconfig, or the pod's service account), which is then closed.
   *
   * @param namespace null: the client's own (the service account's or the kubeconfig's)
   */
  public static ClusterObjects clusterObjects(String namespace) {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      String ns = namespace != null && !namespace.isBlank() ? namespace : client.getNamespace();
      if (ns == null || ns.isBlank()) {
        throw new SettingException(
            "--namespace",
            "--kube needs a namespace: pass --namespace or set HUBPOLICY_NAMESPACE"
                + " (in a pod, the service account's namespace is used)");
      }
      return ClusterInventory.read(client, ns);
    } catch (KubernetesClientException e) {
      throw new SettingException("--kube", "cannot read the cluster: " + e.getMessage());
    }
  }
}
