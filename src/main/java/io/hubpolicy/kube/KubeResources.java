package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.ApiVersionUtil;
import io.hubpolicy.services.ClusterResources;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ClusterResources} over fabric8's generic resources, so a template may hold any kind the
 * cluster serves. The plural of a kind comes from API discovery, or from English plural rules when
 * discovery is unavailable.
 */
public final class KubeResources implements ClusterResources {
  private static final int ATTEMPTS = 3;

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, ResourceDefinitionContext> contexts = new ConcurrentHashMap<>();

  public KubeResources(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public String namespace() {
    return namespace;
  }

  @Override
  public Applied apply(GenericKubernetesResource desired) {
    var op = op(desired.getApiVersion(), desired.getKind());
    String name = desired.getMetadata().getName();
    for (int attempt = 1; ; attempt++) {
      try {
        return new Applied(op.resource(desired).create(), true);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      GenericKubernetesResource current = op.withName(name).get();
      if (current != null) {
        desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
        try {
          return new Applied(op.resource(desired).update(), false);
        } catch (KubernetesClientException e) {
          // Changed between our read and write: read again.
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= ATTEMPTS) {
            throw e;
          }
        }
      } else if (attempt >= ATTEMPTS) {
        throw new KubernetesClientException(
            desired.getKind() + " " + name + " keeps conflicting on create but cannot be read");
      }
    }
  }

  @Override
  public Applied createIfAbsent(GenericKubernetesResource desired) {
    var op = op(desired.getApiVersion(), desired.getKind());
    try {
      return new Applied(op.resource(desired).create(), true);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      GenericKubernetesResource current = op.withName(desired.getMetadata().getName()).get();
      if (current == null) {
        throw e;
      }
      return new Applied(current, false);
    }
  }

  @Override
  public Optional<GenericKubernetesResource> replace(GenericKubernetesResource desired) {
    try {
      return Optional.of(op(desired.getApiVersion(), desired.getKind()).resource(desired).update());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT
          || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Optional<GenericKubernetesResource> get(String apiVersion, String kind, String name) {
    return Optional.ofNullable(op(apiVersion, kind).withName(name).get());
  }

  @Override
  public List<GenericKubernetesResource> list(
      String apiVersion, String kind, Map<String, String> labels) {
    try {
      return op(apiVersion, kind).withLabels(labels).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        // The kind is no longer served (its CRD was removed): nothing of it to find.
        return List.of();
      }
      throw e;
    }
  }

  @Override
  public boolean delete(String apiVersion, String kind, String name) {
    return !op(apiVersion, kind).withName(name).delete().isEmpty();
  }

  private NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      op(String apiVersion, String kind) {
    return client
        .genericKubernetesResources(
            contexts.computeIfAbsent(apiVersion + " " + kind, k -> context(apiVersion, kind)))
        .inNamespace(namespace);
  }

  private ResourceDefinitionContext context(String apiVersion, String kind) {
    String group = ApiVersionUtil.trimGroupOrNull(apiVersion);
    String version = ApiVersionUtil.trimVersion(apiVersion);
    String plural = null;
    boolean namespaced = true;
    try {
      APIResourceList resources = client.getApiResources(apiVersion);
      if (resources != null) {
        for (APIResource r : resources.getResources()) {
          if (kind.equals(r.getKind()) && !r.getName().contains("/")) {
            plural = r.getName();
            namespaced = Boolean.TRUE.equals(r.getNamespaced());
          }
        }
      }
    } catch (KubernetesClientException e) {
      // Discovery is unavailable (or forbidden): fall back to the plural rules below.
    }
    if (plural == null) {
      plural = Pluralize.toPlural(kind.toLowerCase(Locale.ROOT));
    }
    if (!namespaced) {
      throw new KubernetesClientException(
          kind + " is cluster-scoped; a service may only create namespaced objects");
    }
    return new ResourceDefinitionContext.Builder()
        .withGroup(group == null ? "" : group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }
}
