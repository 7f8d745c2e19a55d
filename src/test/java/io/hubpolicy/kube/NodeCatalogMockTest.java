package io.hubpolicy.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.hubpolicy.catalog.NodeCapacity;
import io.hubpolicy.catalog.Schedulability;
import io.hubpolicy.catalog.SchedulabilityTest;
import io.hubpolicy.catalog.SizeCatalog;
import io.hubpolicy.catalog.SizeView;
import io.hubpolicy.catalog.Verdict;
import io.hubpolicy.catalog.Verdict.Status;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SourceRef;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The catalog against fabric8's mock API server in CRUD mode. In fabric8 8.0.0 CRUD mode keeps a
 * Node's {@code status} on create (checked: a GET returns the allocatable and conditions that were
 * posted), so nodes are created with their status in one call.
 */
@EnableKubernetesMockClient(crud = true)
class NodeCatalogMockTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  static KubernetesClient client;

  private final Schedulability schedulability = new Schedulability();
  private NodeCatalog catalog;

  @BeforeEach
  void emptyCluster() {
    client.nodes().delete();
    await(() -> client.nodes().list().getItems(), List::isEmpty, "nodes left by another test");
  }

  @AfterEach
  void stop() {
    if (catalog != null) {
      catalog.close();
    }
  }

  @Test
  void sizesFollowNodesAddedCordonedAndDeleted() {
    client.nodes().resource(node("n1", "4", "16Gi")).create();
    catalog = new NodeCatalog(client).start();
    await(catalog::synced, s -> s, "the catalog to sync");
    // The mock server does not replay what happens between the list and the watch.
    await(catalog::watching, w -> w, "the watch to open");
    assertEquals(List.of("n1"), catalog.nodes().stream().map(NodeCapacity::name).toList());

    Size small = size("requests.cpu", "2", "requests.memory", "8Gi");
    Size large = size("requests.cpu", "16", "requests.memory", "64Gi");
    assertEquals(verdict(Status.SCHEDULABLE, "n1"), brief(small));
    assertEquals(verdict(Status.UNSCHEDULABLE, null), brief(large));

    client.nodes().resource(node("big", "32", "128Gi")).create();
    awaitVerdict(large, Status.SCHEDULABLE, "big");

    client
        .nodes()
        .withName("big")
        .edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(true).endSpec().build());
    awaitVerdict(large, Status.UNSCHEDULABLE, null);
    assertEquals(verdict(Status.SCHEDULABLE, "n1"), brief(small));

    client
        .nodes()
        .withName("big")
        .edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(false).endSpec().build());
    awaitVerdict(large, Status.SCHEDULABLE, "big");

    client.nodes().withName("big").delete();
    awaitVerdict(large, Status.UNSCHEDULABLE, null);
    assertEquals(List.of("n1"), catalog.nodes().stream().map(NodeCapacity::name).toList());
  }

  @Test
  void aNodeThatTurnsNotReadyStopsCounting() {
    client.nodes().resource(node("big", "32", "128Gi")).create();
    catalog = new NodeCatalog(client).start();
    await(catalog::synced, s -> s, "the catalog to sync");
    Size large = size("requests.cpu", "16", "requests.memory", "64Gi");
    assertEquals(verdict(Status.SCHEDULABLE, "big"), brief(large));

    Node big = client.nodes().withName("big").get();
    big.getStatus().getConditions().get(0).setStatus("Unknown");
    client.nodes().resource(big).updateStatus();
    awaitVerdict(large, Status.UNSCHEDULABLE, null);
  }

  @Test
  void theSizeCatalogListsEverySizeInConfigurationOrder() {
    client.nodes().resource(node("n1", "4", "16Gi")).create();
    catalog = new NodeCatalog(client);
    SizeCatalog sizes = new SizeCatalog(catalog);

    Map<String, Quantity> broken = new LinkedHashMap<>();
    broken.put("requests.cpu", new Quantity("1"));
    broken.put("requests.memory", new Quantity("lots"));
    PolicyConfig config =
        config(
            named("Small", size("requests.cpu", "1", "requests.memory", "2Gi")),
            named("Huge", size("requests.cpu", "8", "requests.memory", "64Gi")),
            new Size("Broken", broken, SourceRef.UNKNOWN),
            named("Empty", size()),
            named("Legacy", size("requests.memory", "4G", "limits.memory", "4G")));

    assertEquals(Status.UNKNOWN, sizes.sizes(config).get(0).verdict().status(), "before start");
    catalog.start();
    await(catalog::synced, s -> s, "the catalog to sync");
    List<SizeView> views = sizes.sizes(config);
    assertEquals(
        List.of("Small", "Huge", "Broken", "Empty", "Legacy"),
        views.stream().map(SizeView::name).toList());
    assertEquals(
        List.of(
            Status.SCHEDULABLE,
            Status.UNSCHEDULABLE,
            Status.INCOMPLETE,
            Status.INCOMPLETE,
            Status.SCHEDULABLE),
        views.stream().map(v -> v.verdict().status()).toList());
    assertEquals(Map.of("requests.cpu", "1", "requests.memory", "lots"), views.get(2).resources());
    assertTrue(views.get(2).verdict().reason().startsWith("requests.memory 'lots'"));
    assertTrue(views.get(4).verdict().reason().contains("memory only"));
    assertEquals(
        List.of("requests.memory", "limits.memory"),
        List.copyOf(views.get(4).resources().keySet()));
  }

  @Test
  void anUnreachableApiServerIsRetriedAndSizesAreUnknownMeanwhile() {
    // Port 1 refuses connections; the catalog must neither throw nor give up.
    try (KubernetesClient unreachable =
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:1")
                        .withRequestRetryBackoffLimit(0)
                        .withWatchReconnectInterval(50)
                        .build())
                .build();
        NodeCatalog offline = new NodeCatalog(unreachable).start()) {
      await(offline::failures, f -> f >= 2, "the watch to be retried after failing");
      assertFalse(offline.synced());
      List<SizeView> views =
          new SizeCatalog(offline)
              .sizes(config(named("Small", size("requests.cpu", "1")), named("Empty", size())));
      assertEquals(Status.UNKNOWN, views.get(0).verdict().status());
      assertEquals("the node watch has not synced yet", views.get(0).verdict().reason());
      // An incomplete size is the admin's to fix whether or not the cluster answers.
      assertEquals(Status.INCOMPLETE, views.get(1).verdict().status());
    }
  }

  private void awaitVerdict(Size size, Status status, String node) {
    await(() -> brief(size), verdict(status, node)::equals, "verdict " + status + " on " + node);
  }

  private List<Object> brief(Size size) {
    Verdict v = schedulability.check(size, catalog.nodes());
    return verdict(v.status(), v.fittingNode());
  }

  private static List<Object> verdict(Status status, String node) {
    return java.util.Arrays.asList(status, node);
  }

  /** Polls until {@code done} holds, for at most ten seconds; the failure shows the last value. */
  static <T> T await(Supplier<T> value, Predicate<T> done, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      T last = value.get();
      if (done.test(last)) {
        return last;
      }
      if (System.nanoTime() > deadline) {
        fail("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "; last: " + last);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }

  private static Size size(String... fieldsAndQuantities) {
    return SchedulabilityTest.size(fieldsAndQuantities);
  }

  private static Size named(String name, Size s) {
    return new Size(name, s.resources(), s.source());
  }

  private static PolicyConfig config(Size... sizes) {
    return new PolicyConfig(List.of(), List.of(sizes), List.of(), Map.of(), List.of(), List.of());
  }

  private static Node node(String name, String cpu, String memory) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .endSpec()
        .withNewStatus()
        .addToAllocatable("cpu", new Quantity(cpu))
        .addToAllocatable("memory", new Quantity(memory))
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }
}
