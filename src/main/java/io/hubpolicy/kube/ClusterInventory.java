package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.ClusterObjects.Kind;
import io.hubpolicy.catalog.ListedObjects;
import io.hubpolicy.catalog.NodeCapacity;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterObjects} read from the API server, one list per kind ({@code hubpolicy lint
 * --kube}): Secrets (their key names only), ConfigMaps, PersistentVolumeClaims, OpenShift Templates
 * and ImageStreams of the namespace, and the cluster's Nodes.
 *
 * <p>A kind this service account may not list (403) stays unknown, so nothing is reported missing
 * for it. Without the Template API (404) there are no Templates; without the ImageStream API the
 * image catalog is unknown, as {@code serve} then offers the images the profiles name.
 */
public final class ClusterInventory {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterInventory.class);

  private ClusterInventory() {}

  public static ClusterObjects read(KubernetesClient client, String namespace) {
    ListedObjects o = new ListedObjects("namespace " + namespace + " at " + client.getMasterUrl());
    list(
        Kind.SECRET,
        o,
        false,
        () -> {
          for (Secret s : client.secrets().inNamespace(namespace).list().getItems()) {
            o.add(Kind.SECRET, s.getMetadata().getName(), keys(s.getData(), s.getStringData()));
          }
        });
    list(
        Kind.CONFIG_MAP,
        o,
        false,
        () -> {
          for (ConfigMap c : client.configMaps().inNamespace(namespace).list().getItems()) {
            o.addConfigMap(
                c.getMetadata().getName(),
                c.getData() == null ? Map.of() : c.getData(),
                keys(c.getBinaryData(), null));
          }
        });
    list(
        Kind.PERSISTENT_VOLUME_CLAIM,
        o,
        false,
        () -> {
          for (PersistentVolumeClaim c :
              client.persistentVolumeClaims().inNamespace(namespace).list().getItems()) {
            o.add(Kind.PERSISTENT_VOLUME_CLAIM, c.getMetadata().getName(), Set.of());
          }
        });
    list(
        Kind.TEMPLATE,
        o,
        true,
        () -> {
          for (GenericKubernetesResource t :
              client
                  .genericKubernetesResources(ClusterTemplates.TEMPLATES)
                  .inNamespace(namespace)
                  .list()
                  .getItems()) {
            o.add(Kind.TEMPLATE, t.getMetadata().getName(), Set.of());
          }
        });
    list(
        Kind.IMAGE_STREAM,
        o,
        false,
        () -> {
          for (GenericKubernetesResource s :
              client
                  .genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
                  .inNamespace(namespace)
                  .list()
                  .getItems()) {
            o.addImageStream(s);
          }
        });
    list(
        Kind.NODE,
        o,
        false,
        () -> {
          for (Node n : client.nodes().list().getItems()) {
            o.addNode(NodeCapacity.of(n));
          }
        });
    return o;
  }

  /**
   * Lists one kind into {@code o} and marks it known; a 403 leaves it unknown, a 404 (no such API)
   * leaves it unknown too unless {@code absentIsEmpty}.
   */
  private static void list(Kind kind, ListedObjects o, boolean absentIsEmpty, Runnable read) {
    try {
      read.run();
      o.listed(kind);
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
        LOG.warn("may not list {}s: not checked ({})", kind.kubeKind(), e.getMessage());
      } else if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        if (absentIsEmpty) {
          o.listed(kind);
        }
      } else {
        throw e;
      }
    }
  }

  private static Set<String> keys(Map<String, String> a, Map<String, String> b) {
    Set<String> keys = new TreeSet<>();
    if (a != null) {
      keys.addAll(a.keySet());
    }
    if (b != null) {
      keys.addAll(b.keySet());
    }
    return keys;
  }
}
