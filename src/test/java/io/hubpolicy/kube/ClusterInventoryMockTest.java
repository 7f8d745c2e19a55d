package io.hubpolicy.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.ClusterObjects.Kind;
import io.hubpolicy.format.KubeJson;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code lint --kube} reads from the API server (fabric8's mock server, CRUD mode): each kind
 * of one namespace and the nodes; objects of other namespaces are not the hub's.
 */
class ClusterInventoryMockTest {
  static final String NS = "jupyterhub";
  MockKube kube;

  @BeforeEach
  void start() {
    kube = MockKube.start();
    var c = kube.client;
    c.secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("s3")
                .endMetadata()
                .withData(Map.of("token", "dA=="))
                .build())
        .create();
    c.configMaps()
        .inNamespace("elsewhere")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .endMetadata()
                .withData(Map.of("url", "x"))
                .build())
        .create();
    c.persistentVolumeClaims()
        .inNamespace(NS)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("shared-data")
                .endMetadata()
                .build())
        .create();
    c.nodes()
        .resource(
            KubeJson.SERIALIZATION.unmarshal(
                """
                apiVersion: v1
                kind: Node
                metadata: {name: n1}
                status:
                  allocatable: {cpu: '4', memory: 16Gi}
                  conditions: [{type: Ready, status: 'True'}]
                """,
                Node.class))
        .create();
    c.genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
        .inNamespace(NS)
        .resource(
            KubeJson.SERIALIZATION.unmarshal(
                """
                apiVersion: image.openshift.io/v1
                kind: ImageStream
                metadata:
                  name: s2i-minimal-notebook
                  labels: {opendatahub.io/notebook-image: 'true'}
                spec: {tags: [{name: py3.9}]}
                """,
                GenericKubernetesResource.class))
        .create();
  }

  @AfterEach
  void stop() {
    kube.close();
  }

  @Test
  void readsEachKindOfTheNamespaceAndTheNodes() {
    ClusterObjects o = ClusterInventory.read(kube.client, NS);
    for (Kind k : Kind.values()) {
      assertTrue(o.knows(k), k + " listed");
    }
    assertEquals(Optional.of(Set.of("token")), o.keys(Kind.SECRET, "s3"));
    assertEquals(Optional.of(Set.of()), o.keys(Kind.PERSISTENT_VOLUME_CLAIM, "shared-data"));
    assertFalse(o.keys(Kind.CONFIG_MAP, "settings").isPresent(), "another namespace's");
    assertFalse(o.keys(Kind.TEMPLATE, "anything").isPresent());
    assertEquals(1, o.nodes().size());
    assertEquals(1, o.imageStreams().size());
    assertTrue(o.describe().contains("namespace " + NS), o.describe());
  }
}
