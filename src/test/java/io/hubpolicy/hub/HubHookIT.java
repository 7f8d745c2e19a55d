package io.hubpolicy.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.hubpolicy.api.TestTls;
import io.hubpolicy.cli.InProcessServe;
import io.hubpolicy.kube.MockKube;
import io.hubpolicy.services.ServicesMockTest;
import io.hubpolicy.testing.Outside;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.LogManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real JupyterHub 3 (with its proxy and real single-user servers) using {@code
 * hub/hubpolicy_hooks.py} against hubpolicy, which runs in this JVM with {@code --kube} against
 * fabric8's mock API server, so that a side service is really launched and really deleted.
 *
 * <p>The hub's spawner ({@code hub/tests/kubelike_spawner.py}) builds a {@code
 * kubernetes.client.V1Pod} as KubeSpawner does, awaits {@code modify_pod_hook}, and starts {@code
 * jupyterhub-singleuser} with the environment of the pod's notebook container. The test drives the
 * hub over its REST API and reads what the server got from {@code /proc/<pid>/environ} of the
 * running server process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubHookIT {
  static final String NS = "jupyterhub";
  static final ResourceDefinitionContext SPARK = ServicesMockTest.SPARK;
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final Path HUB_DIR = Path.of("hub").toAbsolutePath();
  static final String DENIAL = "mallory is suspended until Friday";

  static final String DENY_RULE =
      """
      package hubpolicy.hubhookit
      import io.hubpolicy.engine.facts.*
      rule "Mallory may not spawn" when
        Spawn( user == "mallory" )
        $o : Outcome()
      then
        modify($o) { deny("%s") }
      end
      """
          .formatted(DENIAL);

  static final String PROFILES =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: hubhook-it}]
      - name: data team
        groups: [data-team]
        env: [{name: TEAM_BUCKET, value: 's3://data-team'}]
        resources: {requests: {memory: 1Gi}, limits: {memory: 3Gi}}
        services:
          spark:
            resources:
            - {name: spark-templates, path: cluster}
            configuration: {workers: 2}
            return: {SPARK_CLUSTER: metadata.name}
      - name: archivists
        groups: [archivists]
        services:
          archive:
            resources:
            - {name: spark-templates, path: cluster}
            configuration: {workers: 1}
            lifecycle: user-deleted
      """;

  static final String SPARK_TEMPLATE =
      """
      apiVersion: radanalytics.io/v1
      kind: SparkCluster
      metadata:
        name: spark-{{ user }}
      spec:
        worker: {instances: "{{ workers }}"}
      """;

  /** The hub's spawner: pods built as KubeSpawner builds them, then run as local processes. */
  static final List<String> KUBELIKE_SPAWNER =
      List.of(
          "from kubelike_spawner import KubeLikeSpawner",
          "c.JupyterHub.spawner_class = hubpolicy_hooks.with_lifecycle(KubeLikeSpawner)",
          "c.KubeLikeSpawner.record_dir = RECORD_DIR",
          "# The hooks, as in a hub with KubeSpawner",
          "c.Spawner.pre_spawn_hook = hubpolicy_hooks.pre_spawn_hook",
          "c.KubeLikeSpawner.modify_pod_hook = hubpolicy_hooks.modify_pod_hook",
          "c.Spawner.post_stop_hook = hubpolicy_hooks.post_stop_hook");

  final HttpClient http =
      HttpClient.newBuilder()
          // No h2c upgrade: the proxy would pass the Upgrade header on.
          .version(HttpClient.Version.HTTP_1_1)
          // hubpolicy serves HTTPS with the test certificate; the hub and proxy plain HTTP.
          .sslContext(TestTls.context())
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final Map<String, String> savedProperties = new HashMap<>();
  Path tmp;
  MockKube kube;
  InProcessServe hubpolicy;
  Path hubpolicyToken;
  RealHub hub;

  // ---------------------------------------------------------------------------------------------
  // Set-up and tear-down

  /** Why JupyterHub cannot run here, or null; each test reports itself skipped with it. */
  String missing;

  @BeforeAll
  void start() throws Exception {
    missing = jupyterHubMissing();
    if (missing != null) {
      return;
    }
    long t0 = System.nanoTime();
    // The mock API server logs every request through java.util.logging.
    LogManager.getLogManager()
        .readConfiguration(
            new ByteArrayInputStream(
                ".level=WARNING\nhandlers=java.util.logging.ConsoleHandler\n"
                    .getBytes(StandardCharsets.UTF_8)));
    tmp = Files.createTempDirectory("hubhook-it-");
    kube = MockKube.start();
    kube.client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("jupyter-singleuser-profiles")
                .endMetadata()
                .addToData("jupyterhub-singleuser-profiles.yaml", PROFILES)
                .build())
        .create();
    kube.client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("spark-templates")
                .endMetadata()
                .addToData("cluster", SPARK_TEMPLATE)
                .build())
        .create();
    // fabric8's client reads these when it builds its default configuration.
    setProperty("kubernetes.master", kube.client.getMasterUrl().toString());
    setProperty("kubernetes.auth.tryKubeConfig", "false");
    setProperty("kubernetes.auth.tryServiceAccount", "false");
    Path rules = Files.createDirectories(tmp.resolve("rules"));
    Files.writeString(rules.resolve("deny.drl"), DENY_RULE);
    hubpolicyToken = tmp.resolve("hubpolicy.token");
    hubpolicy =
        InProcessServe.start(
            "--kube",
            "--namespace",
            NS,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--audit-log",
            tmp.resolve("audit.jsonl").toString(),
            "--grpc-port",
            "-1",
            "--tls-cert",
            TestTls.CERT.toAbsolutePath().toString(),
            "--tls-key",
            TestTls.KEY.toAbsolutePath().toString(),
            "--token-file",
            hubpolicyToken.toString(),
            "--rules",
            rules.toString(),
            "--service-wait",
            "20");
    RealHub.await(
        "hubpolicy loads the profiles from the ConfigMap",
        Duration.ofSeconds(30),
        () -> {
          HttpResponse<String> r = hubpolicyGet("/v1/config");
          return r.statusCode() == 200 && JSON.readTree(r.body()).path("profiles").asInt() == 3;
        },
        () -> "");
    hub =
        RealHub.start(
            tmp.resolve("hub"),
            Map.of(
                "HUBPOLICY_URL", hubpolicyUrl(),
                // The hook verifies hubpolicy's certificate against this CA (defect 12).
                "HUBPOLICY_CA_FILE", TestTls.CERT.toAbsolutePath().toString(),
                "HUBPOLICY_TOKEN_FILE", hubpolicyToken.toString(),
                "HUBPOLICY_TIMEOUT", "10"),
            http,
            KUBELIKE_SPAWNER);
    System.err.printf(
        "HubHookIT: hubpolicy on %s and JupyterHub on %s ready in %.1f s%n",
        hubpolicyUrl(), hub.base, (System.nanoTime() - t0) / 1e9);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (hub != null) {
        hub.close();
      }
    } finally {
      if (hubpolicy != null) {
        hubpolicy.close();
      }
      if (kube != null) {
        kube.close();
      }
      savedProperties.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
      if (tmp != null && Boolean.getBoolean("hubhookit.keep")) {
        System.err.println("HubHookIT: kept " + tmp + " (-Dhubhookit.keep=true)");
      } else if (tmp != null) {
        RealHub.deleteTree(tmp);
      }
    }
  }

  @BeforeEach
  void requireJupyterHub() {
    Outside.assumeAvailable(missing);
  }

  /**
   * Null when a real JupyterHub can run here: Debian's jupyterhub (with the notebook server the
   * single-user servers run and the kubernetes client the spawner builds pods with) and its proxy.
   */
  static String jupyterHubMissing() {
    return Outside.anyMissing(
        Outside.pythonModulesMissing(
            "Debian's jupyterhub",
            List.of("jupyterhub", "jupyterhub.singleuser", "notebook", "kubernetes.client"),
            "apt-get install jupyterhub python3-kubernetes"),
        Outside.configurableHttpProxyMissing());
  }

  void setProperty(String k, String v) {
    savedProperties.putIfAbsent(k, System.getProperty(k));
    System.setProperty(k, v);
  }

  // ---------------------------------------------------------------------------------------------
  // The tests

  @Test
  @Order(1)
  void aUserOfTheProfileGetsItsVariablesAndItsServiceAndStoppingEndsTheService() throws Exception {
    hub.createUser("ana");
    hub.createGroup("data-team", "ana");

    HttpResponse<String> spawned = hub.api("POST", "/users/ana/server", null);
    assertTrue(
        spawned.statusCode() == 201 || spawned.statusCode() == 202,
        () -> "spawn answered " + spawned.statusCode() + " " + spawned.body() + hub.log());
    JsonNode server = hub.awaitReady("ana");
    long pid = server.at("/state/pid").asLong();
    assertTrue(pid > 0, () -> "no pid in the server's state: " + server + hub.log());
    hub.serverPids.add(pid);

    // What the running single-user server process really has in its environment.
    Map<String, String> env = RealHub.environOf(pid);
    Supplier<String> context = () -> "\nserver environment: " + env.keySet() + hub.log();
    assertEquals("s3://data-team", env.get("TEAM_BUCKET"), context);
    assertEquals("hubhook-it", env.get("SITE"), context);
    assertEquals("spark-ana", env.get("SPARK_CLUSTER"), context);
    assertEquals(String.valueOf(3L << 30), env.get("MEM_LIMIT"), context);
    assertEquals("ana", env.get("JUPYTERHUB_USER"), context);
    assertTrue(
        env.getOrDefault("JUPYTERHUB_API_TOKEN", "").length() > 10,
        () -> "the hub's own variables must survive the mutation" + context.get());

    // The server is really up, behind the hub's proxy.
    HttpResponse<String> api =
        http.send(
            HttpRequest.newBuilder(URI.create(hub.proxyUrl + "/user/ana/api"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, api.statusCode(), () -> api.body() + hub.log());
    assertTrue(api.body().contains("\"version\""), api.body());

    // modify_pod_hook gave back a kubernetes.client V1Pod, mutated by hubpolicy.
    JsonNode recorded = JSON.readTree(hub.dir.resolve("pods/ana.json").toFile());
    assertEquals("kubernetes.client.models.v1_pod.V1Pod", recorded.get("type").asString());
    assertEquals("V1Container", recorded.get("containerType").asString());
    JsonNode pod = recorded.get("pod");
    assertEquals(
        "3Gi", pod.at("/spec/containers/0/resources/limits/memory").asString(), pod::toString);
    assertEquals("singleuser-server", pod.at("/metadata/labels/component").asString());
    assertEquals("ana", pod.at("/metadata/annotations/hub.jupyter.org~1username").asString());

    // The side service was launched in the (mock) cluster.
    assertEquals(List.of("spark-ana"), sparkClusters(), hub::log);
    assertTrue(metric("hubpolicy_launches_total{result=\"launched\"}") >= 1);

    // Stopping the server reaches hubpolicy, which deletes what it launched.
    double stopsBefore = metric("hubpolicy_stops_total{event=\"server-stopped\"}");
    HttpResponse<String> stopped = hub.api("DELETE", "/users/ana/server", null);
    assertTrue(
        stopped.statusCode() == 204 || stopped.statusCode() == 202,
        () -> "stop answered " + stopped.statusCode() + " " + stopped.body() + hub.log());
    RealHub.await(
        "the hub reports ana's server stopped",
        Duration.ofSeconds(60),
        () -> hub.user("ana").path("servers").isEmpty(),
        hub::log);
    RealHub.await(
        "hubpolicy deletes the SparkCluster it launched",
        Duration.ofSeconds(30),
        () -> sparkClusters().isEmpty(),
        hub::log);
    RealHub.await(
        "hubpolicy counts the stop",
        Duration.ofSeconds(10),
        () -> metric("hubpolicy_stops_total{event=\"server-stopped\"}") == stopsBefore + 1,
        hub::log);
    assertTrue(
        kube.client.configMaps().inNamespace(NS).withName("hubpolicy-services-ana").get() == null,
        "the launch's anchor ConfigMap is deleted too");
    RealHub.await(
        "the single-user server process exits",
        Duration.ofSeconds(30),
        () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true),
        hub::log);
  }

  /**
   * A service that lives until its user is deleted: it outlives a stop, and deleting the user in
   * the hub (wired by {@code hubpolicy_hooks.with_lifecycle}) ends it.
   */
  @Test
  @Order(2) // while hubpolicy is up: the tests from Order(3) on take it away
  void aUserDeletedServiceOutlivesAStopAndEndsWhenTheUserIsDeleted() throws Exception {
    hub.createUser("dee");
    hub.createGroup("archivists", "dee");
    HttpResponse<String> spawned = hub.api("POST", "/users/dee/server", null);
    assertTrue(
        spawned.statusCode() == 201 || spawned.statusCode() == 202,
        () -> "spawn answered " + spawned.statusCode() + " " + spawned.body() + hub.log());
    hub.serverPids.add(hub.awaitReady("dee").at("/state/pid").asLong());
    assertEquals(List.of("spark-dee"), sparkClusters(), hub::log);

    HttpResponse<String> stopped = hub.api("DELETE", "/users/dee/server", null);
    assertTrue(stopped.statusCode() == 204 || stopped.statusCode() == 202, stopped::body);
    RealHub.await(
        "the hub reports dee's server stopped",
        Duration.ofSeconds(60),
        () -> hub.user("dee").path("servers").isEmpty(),
        hub::log);
    double usersDeleted = metric("hubpolicy_stops_total{event=\"user-deleted\"}");
    assertEquals(List.of("spark-dee"), sparkClusters(), "a stop does not end it");

    HttpResponse<String> deleted = hub.api("DELETE", "/users/dee", null);
    assertEquals(204, deleted.statusCode(), () -> deleted.body() + hub.log());
    RealHub.await(
        "deleting the user ends the service",
        Duration.ofSeconds(30),
        () -> sparkClusters().isEmpty(),
        hub::log);
    assertTrue(
        metric("hubpolicy_stops_total{event=\"user-deleted\"}") >= usersDeleted + 1,
        "the hub told hubpolicy the user was deleted");
  }

  @Test
  @Order(2)
  void aDeniedSpawnFailsWithTheRulesReason() throws Exception {
    hub.createUser("mallory");
    double deniedBefore = metric("hubpolicy_launches_total{result=\"denied\"}");

    HttpResponse<String> spawned = hub.api("POST", "/users/mallory/server", null);

    // The REST API answers the spawn with the rule's reason...
    assertEquals(403, spawned.statusCode(), () -> spawned.body() + hub.log());
    assertEquals(DENIAL, JSON.readTree(spawned.body()).get("message").asString());
    // ...and so does the progress stream the spawn page shows.
    JsonNode event = hub.lastProgressEvent("mallory");
    assertTrue(event.path("failed").asBoolean(), event::toString);
    assertEquals("Spawn failed: " + DENIAL, event.get("message").asString(), hub::log);
    assertTrue(hub.user("mallory").path("servers").isEmpty(), hub::log);
    assertEquals(deniedBefore + 1, metric("hubpolicy_launches_total{result=\"denied\"}"));
    assertTrue(sparkClusters().isEmpty(), "nothing is launched for a denied spawn");
  }

  @Test
  @Order(3)
  void withHubpolicyUnavailableSpawnUnmodifiedStartsTheServerAnyway() throws Exception {
    int closed = RealHub.freePort();
    try (RealHub lenient =
        RealHub.start(
            tmp.resolve("hub-lenient"),
            Map.of(
                "HUBPOLICY_URL", "http://127.0.0.1:" + closed,
                "HUBPOLICY_TOKEN", "not-used",
                "HUBPOLICY_TIMEOUT", "5",
                "HUBPOLICY_ON_UNAVAILABLE", "spawn-unmodified"),
            http,
            KUBELIKE_SPAWNER)) {
      lenient.createUser("carol");
      HttpResponse<String> spawned = lenient.api("POST", "/users/carol/server", null);
      assertTrue(
          spawned.statusCode() == 201 || spawned.statusCode() == 202,
          () -> "spawn answered " + spawned.statusCode() + " " + spawned.body() + lenient.log());
      JsonNode server = lenient.awaitReady("carol");
      long pid = server.at("/state/pid").asLong();
      lenient.serverPids.add(pid);
      Map<String, String> env = RealHub.environOf(pid);
      assertEquals("carol", env.get("JUPYTERHUB_USER"), lenient::log);
      assertFalse(env.containsKey("SITE"), "nothing from hubpolicy: it was not reachable");
      String log = lenient.logText();
      assertTrue(
          log.contains("hubpolicy is unavailable")
              && log.contains("HUBPOLICY_ON_UNAVAILABLE=spawn-unmodified"),
          () -> "a warning in the hub log" + lenient.log());
    }
  }

  @Test
  @Order(4)
  void withHubpolicyDownTheSpawnFailsWithAReadableMessage() throws Exception {
    String url = hubpolicyUrl();
    hubpolicy.close(); // the hub keeps pointing at it
    hub.createUser("bob");

    HttpResponse<String> spawned = hub.api("POST", "/users/bob/server", null);

    assertEquals(503, spawned.statusCode(), () -> spawned.body() + hub.log());
    String expected = "hubpolicy is unavailable: POST " + url + "/v1/launches: connection refused";
    assertEquals(expected, JSON.readTree(spawned.body()).get("message").asString(), hub::log);
    JsonNode event = hub.lastProgressEvent("bob");
    assertEquals("Spawn failed: " + expected, event.get("message").asString(), hub::log);
    assertTrue(hub.user("bob").path("servers").isEmpty(), hub::log);
    // The hub cleans up after the failed spawn; the post-stop hook logs and never raises.
    RealHub.await(
        "the post-stop hook logs that it could not reach hubpolicy",
        Duration.ofSeconds(20),
        () -> hub.logText().contains("could not end the services of the stopped server '' of bob"),
        hub::log);
  }

  // ---------------------------------------------------------------------------------------------
  // hubpolicy and the cluster

  String hubpolicyUrl() {
    return "https://127.0.0.1:" + hubpolicy.port();
  }

  HttpResponse<String> hubpolicyGet(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(hubpolicyUrl() + path))
              .header("Authorization", "Bearer " + Files.readString(hubpolicyToken).strip())
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A counter from hubpolicy's /metrics; 0 when it has not been counted yet. */
  double metric(String series) {
    String body = hubpolicyGet("/metrics").body();
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  List<String> sparkClusters() {
    return kube.client.genericKubernetesResources(SPARK).inNamespace(NS).list().getItems().stream()
        .map(GenericKubernetesResource::getMetadata)
        .map(m -> m.getName())
        .sorted()
        .toList();
  }
}
