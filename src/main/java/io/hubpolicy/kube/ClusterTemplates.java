package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.services.RenderException;
import io.hubpolicy.services.TemplateSource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Service templates read from the cluster. A ConfigMap is watched by its own informer from the
 * first time a service names it, so later reads (and every decision) come from memory and see edits
 * at once. OpenShift Templates are read with a GET and kept for a short while: that API may not
 * exist, and the classic form is rare.
 */
public final class ClusterTemplates implements TemplateSource, AutoCloseable {
  public static final ResourceDefinitionContext TEMPLATES =
      new ResourceDefinitionContext.Builder()
          .withGroup("template.openshift.io")
          .withVersion("v1")
          .withKind("Template")
          .withPlural("templates")
          .withNamespaced(true)
          .build();

  private static final Duration SYNC_WAIT = Duration.ofSeconds(5);
  private static final Duration TEMPLATE_TTL = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, SharedIndexInformer<ConfigMap>> configMaps = new ConcurrentHashMap<>();
  private final Map<String, Cached> templates = new ConcurrentHashMap<>();

  private record Cached(Optional<ServiceTemplates.Text> text, long readAt) {}

  public ClusterTemplates(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public Optional<Map<String, ServiceTemplates.Text>> configMap(String name) {
    SharedIndexInformer<ConfigMap> informer = configMaps.computeIfAbsent(name, this::watch);
    if (!informer.hasSynced()) {
      try {
        informer.start().toCompletableFuture().get(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        throw new RenderException(
            "ConfigMap " + namespace + "/" + name,
            0,
            "cannot be read from the Kubernetes API within " + SYNC_WAIT.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RenderException("ConfigMap " + namespace + "/" + name, 0, "interrupted");
      }
    }
    ConfigMap cm = informer.getStore().getByKey(namespace + "/" + name);
    if (cm == null || cm.getData() == null) {
      return Optional.empty();
    }
    Map<String, ServiceTemplates.Text> keys = new LinkedHashMap<>();
    cm.getData()
        .forEach(
            (k, v) ->
                keys.put(
                    k,
                    new ServiceTemplates.Text(
                        "ConfigMap " + namespace + "/" + name + ", key " + k, v)));
    return Optional.of(keys);
  }

  private SharedIndexInformer<ConfigMap> watch(String name) {
    SharedIndexInformer<ConfigMap> i =
        client.configMaps().inNamespace(namespace).withName(name).runnableInformer(0);
    i.start();
    return i;
  }

  @Override
  public Optional<ServiceTemplates.Text> openShiftTemplate(String name) {
    long now = System.nanoTime();
    Cached c = templates.get(name);
    if (c != null && now - c.readAt() < TEMPLATE_TTL.toNanos()) {
      return c.text();
    }
    Optional<ServiceTemplates.Text> text;
    try {
      GenericKubernetesResource t =
          client.genericKubernetesResources(TEMPLATES).inNamespace(namespace).withName(name).get();
      text =
          Optional.ofNullable(t)
              .map(
                  r ->
                      new ServiceTemplates.Text(
                          "Template " + namespace + "/" + name, KubeJson.SERIALIZATION.asJson(r)));
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      text = Optional.empty(); // no Template API on this cluster
    }
    templates.put(name, new Cached(text, now));
    return text;
  }

  @Override
  public void close() {
    configMaps.values().forEach(SharedIndexInformer::close);
  }
}
