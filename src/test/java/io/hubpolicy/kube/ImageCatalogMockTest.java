package io.hubpolicy.kube;

import static io.hubpolicy.catalog.ImageStreams.stream;
import static io.hubpolicy.catalog.NotebookImagesTest.config;
import static io.hubpolicy.catalog.NotebookImagesTest.defaults;
import static io.hubpolicy.catalog.NotebookImagesTest.names;
import static io.hubpolicy.catalog.NotebookImagesTest.profile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.hubpolicy.catalog.Catalog;
import io.hubpolicy.catalog.ImageStreams;
import io.hubpolicy.model.PolicyConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ImageCatalogMockTest {
  // Generous: a watch event can take seconds to arrive on a loaded 2-core CI machine. Waiting is
  // polled, so a quick machine never waits this long.
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String DEFAULT = "opendatahub.io/default-image";
  private static final PolicyConfig CONFIG =
      config(profile("p", "from-profile:1", "s2i-*"), profile("q", "other:2"));

  static KubernetesClient client;
  static KubernetesMockServer server;

  // The 8.0.0 mock server blocks its event loop for 30 s when a client closes a WebSocket watch
  // (WatchEventsListener.onClosed waits for a send that needs that same loop), stalling later
  // requests; its CRUD mode does not serve HTTP watches. So catalogs are closed after the server
  // has gone, when closing no longer sends anything.
  private static final List<ImageCatalog> STARTED = new CopyOnWriteArrayList<>();

  @AfterAll
  static void closeCatalogsAfterTheServer() {
    server.destroy();
    STARTED.forEach(ImageCatalog::close);
  }

  @Test
  void createdStatusIsKept() {
    // The catalog needs status.tags; this pins down that the CRUD mock keeps what create sends.
    GenericKubernetesResource created = create("status", stream("nb").tag("1"));

    GenericKubernetesResource read =
        client
            .genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
            .inNamespace("status")
            .withName(created.getMetadata().getName())
            .get();
    assertTrue(read.getAdditionalProperties().get("status") instanceof Map<?, ?>, read.toString());
  }

  @Test
  void listsImagesWithTheirDefault() {
    String ns = "listing";
    create(ns, stream("minimal").order("1").tag("2024.2").tag("2024.1"));
    create(ns, stream("datascience").order("2").tag("2024.2", DEFAULT, "true"));

    ImageCatalog catalog = started(ns);
    Catalog listed = await(catalog, c -> c.images().size() == 3);

    assertEquals("imagestreams", listed.source());
    assertEquals(List.of("minimal:2024.2", "minimal:2024.1", "datascience:2024.2"), names(listed));
    assertEquals(List.of("datascience:2024.2"), defaults(listed));
    assertEquals(List.of(), listed.warnings());
  }

  @Test
  void aStreamAddedLaterAppears() {
    String ns = "adding";
    create(ns, stream("first").order("1").tag("1"));

    ImageCatalog catalog = started(ns);
    await(catalog, c -> names(c).equals(List.of("first:1")));
    awaitTrue(catalog::watching); // else the mock server may never tell of what follows

    create(ns, stream("second").order("2").tag("1"));
    Catalog listed = await(catalog, c -> c.images().size() == 2);

    assertEquals(List.of("first:1", "second:1"), names(listed));
    assertEquals(List.of("first:1"), defaults(listed));
  }

  @Test
  void aMalformedStreamIsSkippedWhileOthersList() {
    String ns = "malformed";
    create(ns, stream("good").order("1").tag("1"));
    create(ns, stream("broken").order("0").tag("1", "opendatahub.io/notebook-software", "[{"));
    create(ns, stream("tagless"));

    ImageCatalog catalog = started(ns);
    // The profile fallback carries the streams' warnings too: wait for the streams' own catalog.
    Catalog listed =
        await(catalog, c -> c.warnings().size() == 2 && Catalog.IMAGE_STREAMS.equals(c.source()));

    assertEquals(List.of("good:1"), names(listed));
    assertEquals(List.of("good:1"), defaults(listed));
    assertTrue(listed.warnings().get(0).contains("'broken'"), listed.warnings().toString());
    assertTrue(listed.warnings().get(1).contains("'tagless'"), listed.warnings().toString());
  }

  @Test
  void anUnlabelledStreamIsIgnored() {
    String ns = "unlabelled";
    create(ns, stream("other").unlabelled().order("0").tag("1"));
    create(ns, stream("notebook").order("1").tag("1"));

    ImageCatalog catalog = started(ns);
    Catalog listed = await(catalog, c -> c.source().equals("imagestreams"));

    assertEquals(List.of("notebook:1"), names(listed));
  }

  @Test
  void deletingAStreamRemovesItsImages() {
    String ns = "deleting";
    create(ns, stream("keep").order("1").tag("1"));
    create(ns, stream("drop").order("0").tag("1").tag("2"));

    ImageCatalog catalog = started(ns);
    await(catalog, c -> c.images().size() == 3);
    // The initial list can arrive before the watch is open, and the mock server does not replay
    // what happened in between: deleting before the watch is open would go unseen.
    awaitTrue(catalog::watching);

    delete(ns, "drop");
    Catalog listed = await(catalog, c -> c.images().size() == 1);
    assertEquals(List.of("keep:1"), names(listed));
    assertEquals(List.of("keep:1"), defaults(listed));

    // With no ImageStream images left the profiles supply them again.
    delete(ns, "keep");
    Catalog fallback = await(catalog, c -> c.source().equals("profiles"));
    assertEquals(List.of("from-profile:1", "other:2"), names(fallback));
    assertEquals(List.of("from-profile:1"), defaults(fallback));
  }

  @Test
  void beforeStartingTheProfilesSupplyImages() {
    try (ImageCatalog catalog = new ImageCatalog(client, "unstarted")) {
      Catalog current = catalog.current(CONFIG);

      assertEquals("profiles", current.source());
      assertEquals(List.of("from-profile:1", "other:2"), names(current));
    }
  }

  @Test
  void withoutTheImageStreamApiTheProfilesSupplyImages() {
    // Expectations mode answers 404 to everything not expected: a cluster without
    // image.openshift.io.
    KubernetesMockServer plain = new KubernetesMockServer(false);
    plain.init();
    try (KubernetesClient plainClient = plain.createClient();
        ImageCatalog catalog = new ImageCatalog(plainClient, "plain")) {
      catalog.start();
      awaitTrue(catalog::imageStreamsUnavailable);

      Catalog current = catalog.current(CONFIG);
      assertEquals("profiles", current.source());
      assertEquals(List.of("from-profile:1", "other:2"), names(current));
    } finally {
      plain.destroy();
    }
  }

  @Test
  void anUnreachableApiServerIsRetriedWhileTheProfilesSupplyImages() {
    // Nothing listens on port 1: every list is refused at once.
    Config unreachable =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:1")
            .withConnectionTimeout(1000)
            .withRequestTimeout(1000)
            .withRequestRetryBackoffLimit(0)
            .build();
    try (KubernetesClient goneClient =
            new KubernetesClientBuilder().withConfig(unreachable).build();
        ImageCatalog catalog = new ImageCatalog(goneClient, "gone")) {
      catalog.start();
      awaitTrue(catalog::retrying);

      assertFalse(catalog.imageStreamsUnavailable());
      Catalog current = catalog.current(CONFIG);
      assertEquals("profiles", current.source());
      assertEquals(List.of("from-profile:1", "other:2"), names(current));
    }
  }

  private static ImageCatalog started(String ns) {
    ImageCatalog catalog = new ImageCatalog(client, ns);
    STARTED.add(catalog);
    catalog.start();
    return catalog;
  }

  private static GenericKubernetesResource create(String ns, ImageStreams stream) {
    return client
        .genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
        .inNamespace(ns)
        .resource(stream.build())
        .create();
  }

  private static void delete(String ns, String name) {
    client
        .genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
        .inNamespace(ns)
        .withName(name)
        .delete();
  }

  /** The first catalog that satisfies {@code condition}, polled; the last one seen if none does. */
  private static Catalog await(ImageCatalog catalog, Predicate<Catalog> condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    Catalog current = catalog.current(CONFIG);
    while (!condition.test(current) && System.nanoTime() < deadline) {
      pause();
      current = catalog.current(CONFIG);
    }
    assertTrue(condition.test(current), "catalog never reached the expected state: " + current);
    return current;
  }

  private static void awaitTrue(Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.get() && System.nanoTime() < deadline) {
      pause();
    }
    assertTrue(condition.get(), "condition not reached within " + PATIENCE);
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
