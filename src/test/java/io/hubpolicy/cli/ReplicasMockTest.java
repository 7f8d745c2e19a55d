package io.hubpolicy.cli;

import static io.hubpolicy.kube.MockKube.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.hubpolicy.app.Wiring;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.kube.MockKube;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Three {@code serve --kube} replicas in one JVM against one fabric8 mock API server, wired as in
 * production: every replica decides, one leads and cleans up side services whose user server has no
 * notebook pod. Deletes are counted on the mock server's request log.
 */
class ReplicasMockTest {
  static final String NS = "hub";
  static final String TOKEN = "replicas-mock-test-token";
  static final Duration LEASE = Duration.ofSeconds(2);
  static final Duration GRACE = Duration.ofSeconds(3);
  static final Pattern LEADER = Pattern.compile("(?m)^hubpolicy_leader (\\d)\\.0$");
  static final Pattern CLEANED =
      Pattern.compile("(?m)^hubpolicy_orphans_cleaned_total (\\d+)\\.0$");
  static final ResourceDefinitionContext SERVICES =
      new ResourceDefinitionContext.Builder()
          .withGroup("")
          .withVersion("v1")
          .withKind("Service")
          .withPlural("services")
          .withNamespaced(true)
          .build();

  @TempDir Path tmp;
  MockKube kube;
  final List<Wiring.Running> replicas = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();
  final Map<String, String> saved = new HashMap<>();

  /** Every request the mock server has answered so far, drained from its log. */
  final List<RecordedRequest> requests = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    kube = MockKube.start();
    kube.client.configMaps().inNamespace(NS).resource(templates()).create();
    kube.client.configMaps().inNamespace(NS).resource(profiles()).create();
    set("kubernetes.master", kube.client.getMasterUrl().toString());
    set("kubernetes.auth.tryKubeConfig", "false");
    set("kubernetes.auth.tryServiceAccount", "false");
    Files.writeString(tmp.resolve("token"), TOKEN + "\n");
    for (int i = 0; i < 3; i++) {
      replicas.add(replica());
    }
    for (Wiring.Running r : replicas) {
      // Three rule bases built at once on a shared machine: give them time.
      await("ready", Duration.ofSeconds(90), () -> get(r, "/readyz").statusCode() == 200);
    }
  }

  Wiring.Running replica() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve)
        .parseArgs(
            "--kube",
            "--namespace",
            NS,
            "--port",
            "0",
            "--grpc-port",
            "-1",
            "--audit-log",
            "none",
            "--token-file",
            tmp.resolve("token").toString(),
            "--lease-duration",
            Double.toString(LEASE.toMillis() / 1000.0),
            "--orphan-grace",
            Double.toString(GRACE.toMillis() / 1000.0),
            "--orphan-interval",
            "0.2");
    return serve.start();
  }

  void set(String k, String v) {
    saved.put(k, System.getProperty(k));
    System.setProperty(k, v);
  }

  @AfterEach
  void stop() {
    replicas.forEach(r -> r.stop().run());
    kube.close();
    saved.forEach(
        (k, v) -> {
          if (v == null) {
            System.clearProperty(k);
          } else {
            System.setProperty(k, v);
          }
        });
  }

  static ConfigMap templates() {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("templates")
        .endMetadata()
        .addToData(
            "ui",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: spark-ui}
            spec: {clusterIP: None}
            """)
        .addToData(
            "scratch",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: scratch}
            spec: {clusterIP: None}
            """)
        .build();
  }

  static ConfigMap profiles() {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("jupyter-singleuser-profiles")
        .endMetadata()
        .addToData(
            "jupyterhub-singleuser-profiles.yaml",
            """
            profiles:
            - name: spark
              services:
                spark:
                  resources: [{name: templates, path: ui}]
                keep:
                  resources: [{name: templates, path: scratch}]
                  lifecycle: server-deleted
            sizes: []
            """)
        .build();
  }

  /** A notebook pod as KubeSpawner labels and annotates it. */
  static Pod notebookPod(String user) {
    return KubeJson.SERIALIZATION.unmarshal(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: jupyter-%1$s
          labels: {app: jupyterhub, component: singleuser-server,
                   hub.jupyter.org/username: %1$s, hub.jupyter.org/servername: ''}
          annotations: {hub.jupyter.org/username: %1$s}
        spec:
          containers: [{name: notebook, image: quay.io/jupyter/minimal-notebook}]
        status: {phase: Running}
        """
            .formatted(user),
        Pod.class);
  }

  HttpResponse<String> get(Wiring.Running r, String path) {
    return send(r, HttpRequest.newBuilder(uri(r, path)).GET());
  }

  HttpResponse<String> launch(Wiring.Running r, String user) {
    return send(
        r,
        HttpRequest.newBuilder(uri(r, "/v1/launches?explain=none"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + user + "\"}")));
  }

  HttpResponse<String> send(Wiring.Running r, HttpRequest.Builder b) {
    try {
      return http.send(
          b.header("Authorization", "Bearer " + TOKEN).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static URI uri(Wiring.Running r, String path) {
    return URI.create("http://127.0.0.1:" + r.port() + path);
  }

  int metric(Wiring.Running r, Pattern p) {
    Matcher m = p.matcher(get(r, "/metrics").body());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  List<Wiring.Running> leaders() {
    return replicas.stream().filter(r -> metric(r, LEADER) == 1).toList();
  }

  boolean exists(String name) {
    return kube.client.genericKubernetesResources(SERVICES).inNamespace(NS).withName(name).get()
        != null;
  }

  ConfigMap anchor(String instance) {
    return kube.client
        .configMaps()
        .inNamespace(NS)
        .withName("hubpolicy-services-" + instance)
        .get();
  }

  /**
   * DELETE requests so far for {@code path} (the request log is drained into {@link #requests}).
   */
  long deletes(String path) throws InterruptedException {
    RecordedRequest r;
    while ((r = kube.server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r);
    }
    return requests.stream()
        .filter(q -> q.getMethod().equals("DELETE") && q.getPath().startsWith(path))
        .count();
  }

  @Test
  void oneLeaderEndsOrphansOnceByTheirLifecycleAndNeverTouchesARunningServer() throws Exception {
    await("one leader", () -> leaders().size() == 1);
    kube.client.pods().inNamespace(NS).resource(notebookPod("alice")).create();
    // Launched through different replicas: every replica serves.
    assertEquals(200, launch(replicas.get(0), "alice").statusCode());
    HttpResponse<String> bob = launch(replicas.get(1), "bob");
    assertEquals(200, bob.statusCode(), bob.body());
    assertTrue(exists("spark-ui-bob") && exists("scratch-bob"), "bob's services launched");

    // bob never got a pod: after the grace his server-stopped service goes; the server-deleted
    // one outlives a stopped server, and keeps the anchor.
    await("bob's spark-ui ended", Duration.ofSeconds(15), () -> !exists("spark-ui-bob"));
    assertTrue(exists("scratch-bob"), "a server-deleted service is kept");
    assertNotNull(anchor("bob"), "the anchor stays while something is under it");

    // Many passes later: each orphan was deleted exactly once, by one replica.
    Thread.sleep(2000);
    assertEquals(1, deletes("/api/v1/namespaces/hub/services/spark-ui-bob"));
    assertEquals(0, deletes("/api/v1/namespaces/hub/services/scratch-bob"));
    assertEquals(0, deletes("/api/v1/namespaces/hub/configmaps/hubpolicy-services-bob"));
    assertEquals(
        1, replicas.stream().mapToInt(r -> metric(r, CLEANED)).sum(), "cleaned, in all replicas");
    assertEquals(1, leaders().size(), "still one leader");

    // alice's server runs: nothing of hers was ever deleted, and her anchor is not stamped.
    assertTrue(exists("spark-ui-alice") && exists("scratch-alice"));
    assertEquals(0, deletes("/api/v1/namespaces/hub/services/spark-ui-alice"));
    assertEquals(0, deletes("/api/v1/namespaces/hub/configmaps/hubpolicy-services-alice"));
    assertNull(anchor("alice").getMetadata().getAnnotations().get(MISSING_SINCE));
  }

  static final String MISSING_SINCE = "hubpolicy.io/server-missing-since";

  @Test
  void aPodGoneForLessThanTheGraceIsNotTouchedAndOneThatComesBackClearsTheClock() throws Exception {
    await("one leader", () -> leaders().size() == 1);
    kube.client.pods().inNamespace(NS).resource(notebookPod("carol")).create();
    assertEquals(200, launch(replicas.get(2), "carol").statusCode());
    Thread.sleep(500);
    assertNull(anchor("carol").getMetadata().getAnnotations().get(MISSING_SINCE));

    // The pod goes (evicted, say); the leader starts counting.
    kube.client.pods().inNamespace(NS).withName("jupyter-carol").delete();
    await(
        "the absence is noted",
        () -> anchor("carol").getMetadata().getAnnotations().get(MISSING_SINCE) != null);
    Thread.sleep(GRACE.toMillis() / 3);
    assertTrue(exists("spark-ui-carol"), "gone for less than the grace: untouched");

    // It comes back within the grace: the clock is cleared, nothing is deleted.
    kube.client.pods().inNamespace(NS).resource(notebookPod("carol")).create();
    await(
        "the absence is forgotten",
        () -> anchor("carol").getMetadata().getAnnotations().get(MISSING_SINCE) == null);
    Thread.sleep(GRACE.toMillis());
    assertTrue(exists("spark-ui-carol"));
    assertEquals(0, deletes("/api/v1/namespaces/hub/services/spark-ui-carol"));

    // Gone for good, and its services end once the whole grace has passed since.
    kube.client.pods().inNamespace(NS).withName("jupyter-carol").delete();
    long gone = System.nanoTime();
    await("carol's spark-ui ended", Duration.ofSeconds(15), () -> !exists("spark-ui-carol"));
    Duration after = Duration.ofNanos(System.nanoTime() - gone);
    assertTrue(after.compareTo(GRACE) >= 0, "ended after " + after.toMillis() + " ms");
    assertEquals(1, deletes("/api/v1/namespaces/hub/services/spark-ui-carol"));
  }

  @Test
  void whenTheLeaderStopsAnotherTakesOverAndCleansUp() throws Exception {
    await("one leader", () -> leaders().size() == 1);
    Wiring.Running first = leaders().get(0);
    long stopped = System.nanoTime();
    first.stop().run();
    replicas.remove(first);
    await("a new leader", Duration.ofSeconds(10), () -> leaders().size() == 1);
    Duration takeover = Duration.ofNanos(System.nanoTime() - stopped);
    assertTrue(
        takeover.compareTo(LEASE) < 0,
        "a released lease is taken before it would run out: " + takeover.toMillis() + " ms");

    assertEquals(200, launch(replicas.get(0), "dan").statusCode());
    await(
        "dan's spark-ui ended by the new leader",
        Duration.ofSeconds(15),
        () -> !exists("spark-ui-dan"));
    assertEquals(1, deletes("/api/v1/namespaces/hub/services/spark-ui-dan"));
  }
}
