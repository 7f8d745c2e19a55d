package io.hubpolicy.cli;

import static io.hubpolicy.kube.MockKube.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.hubpolicy.app.Wiring;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.kube.ImageCatalog;
import io.hubpolicy.kube.MockKube;
import io.hubpolicy.services.ServicesMockTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The composition root with {@code --kube} against fabric8's mock API server: the same wiring as
 * production, answering over real HTTP on loopback.
 */
class ServeKubeMockTest {
  static final String NS = "jupyterhub";
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String PROFILES =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: main}]
      - name: gpu team
        groups: [gpu]
        gpu: 1
      sizes:
      - name: Small
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 1, memory: 2Gi}}
      - name: Huge
        resources: {requests: {cpu: 64, memory: 1Ti}}
      - name: Legacy
        resources: {}
      """;

  MockKube kube;
  Wiring.Running running;
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp;
  java.nio.file.Path audit;
  final HttpClient http = HttpClient.newHttpClient();
  final Map<String, String> savedProperties = new java.util.HashMap<>();

  @BeforeEach
  void start() throws Exception {
    audit = tmp.resolve("audit.jsonl");
    kube = MockKube.start();
    put(configMap("jupyter-singleuser-profiles", Map.of(), PROFILES));
    kube.client.nodes().resource(node("worker-1", "4", "16Gi")).create();
    kube.client
        .genericKubernetesResources(ImageCatalog.IMAGE_STREAMS)
        .inNamespace(NS)
        .resource(imageStream())
        .create();
    // fabric8's client reads these when it builds its default configuration.
    setProperty("kubernetes.master", kube.client.getMasterUrl().toString());
    setProperty("kubernetes.auth.tryKubeConfig", "false");
    setProperty("kubernetes.auth.tryServiceAccount", "false");
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve)
        .parseArgs(
            "--kube",
            "--namespace",
            NS,
            "--port",
            "0",
            "--grpc-port",
            "0",
            "--audit-log",
            audit.toString(),
            "--token-file",
            tokenFile().toString(),
            "--rules-cache",
            tmp.resolve("rules-cache").toString());
    running = serve.start();
    await("ready", () -> get("/readyz").statusCode() == 200);
  }

  List<String> auditLines() {
    try {
      return java.nio.file.Files.exists(audit)
          ? java.nio.file.Files.readAllLines(audit)
          : List.of();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  void setProperty(String k, String v) {
    savedProperties.put(k, System.getProperty(k));
    System.setProperty(k, v);
  }

  @AfterEach
  void stop() {
    if (running != null) {
      running.stop().run();
    }
    kube.close();
    savedProperties.forEach(
        (k, v) -> {
          if (v == null) {
            System.clearProperty(k);
          } else {
            System.setProperty(k, v);
          }
        });
  }

  static ConfigMap configMap(String name, Map<String, String> labels, String yaml) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withLabels(labels)
        .endMetadata()
        .addToData("jupyterhub-singleuser-profiles.yaml", yaml)
        .build();
  }

  void put(ConfigMap cm) {
    kube.client.configMaps().inNamespace(NS).resource(cm).createOr(r -> r.update());
  }

  static Node node(String name, String cpu, String memory) {
    return KubeJson.SERIALIZATION.unmarshal(
        """
        apiVersion: v1
        kind: Node
        metadata: {name: %s}
        status:
          allocatable: {cpu: '%s', memory: %s}
          conditions: [{type: Ready, status: 'True'}]
        """
            .formatted(name, cpu, memory),
        Node.class);
  }

  static GenericKubernetesResource imageStream() {
    return KubeJson.SERIALIZATION.unmarshal(
        """
        apiVersion: image.openshift.io/v1
        kind: ImageStream
        metadata:
          name: s2i-minimal-notebook
          labels: {opendatahub.io/notebook-image: 'true'}
          annotations:
            opendatahub.io/notebook-image-name: Minimal Python
            opendatahub.io/notebook-image-order: '1'
        spec:
          tags:
          - name: py3.9
            annotations:
              opendatahub.io/notebook-software: '[{"name":"Python","version":"v3.9"}]'
              opendatahub.io/default-image: 'true'
        status:
          dockerImageRepository: registry.local/jupyterhub/s2i-minimal-notebook
          tags:
          - tag: py3.9
            items: [{dockerImageReference: 'quay.io/odh/minimal@sha256:1', image: 'sha256:1'}]
        """,
        GenericKubernetesResource.class);
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  static final String TOKEN = "kube-mock-test-token";

  java.nio.file.Path tokenFile() throws java.io.IOException {
    return java.nio.file.Files.writeString(tmp.resolve("token"), TOKEN + "\n");
  }

  HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return http.send(
          b.header("Authorization", "Bearer " + TOKEN).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + running.port() + path);
  }

  JsonNode json(HttpResponse<String> r) {
    return JSON.readTree(r.body());
  }

  HttpResponse<String> putJson(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("content-type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> postJson(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** Cluster mode builds its rules through the same cache: the first build keeps them. */
  @Test
  void theFirstBuildKeepsTheCompiledRulesInTheRulesCache() throws Exception {
    try (var files = java.nio.file.Files.list(tmp.resolve("rules-cache"))) {
      List<String> names = files.map(f -> f.getFileName().toString()).toList();
      assertEquals(1, names.size(), names.toString());
      assertTrue(names.get(0).matches("rules-\\w+\\.bin"), names.toString());
    }
  }

  @Test
  void configShowsWhatItWasBuiltFromAndTheLastRejectedChange() throws Exception {
    JsonNode config = json(get("/v1/config"));
    assertEquals(
        "configmap/jupyterhub/jupyter-singleuser-profiles",
        config.get("loadedFrom").get(0).get("source").asString());
    assertFalse(config.get("loadedFrom").get(0).get("version").asString().isEmpty());
    String good = config.get("revision").asString();

    put(
        configMap(
            "team",
            Map.of("jupyterhub", "singleuser-profiles"),
            "profiles:\n- name: team\n  resources: {limits: {memory: lots}}\n"));
    await("the rejection", () -> !json(get("/v1/config")).get("lastRejected").isNull());
    config = json(get("/v1/config"));
    assertEquals(good, config.get("revision").asString());
    String text = config.get("lastRejected").get("problems").get(0).get("text").asString();
    assertTrue(
        text.startsWith("configmap/jupyterhub/team/jupyterhub-singleuser-profiles.yaml:3:"), text);
    assertEquals(1, config.get("reloads").get("rejected").asInt());
    String metrics = get("/metrics").body();
    assertTrue(
        metrics.contains("hubpolicy_config_reloads_total{result=\"rejected\"} 1.0"), metrics);
    // The JVM's own meters are bound on a thread of their own at the start; they are there.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!metrics.contains("system_cpu_count") && System.nanoTime() < deadline) {
      Thread.sleep(50);
      metrics = get("/metrics").body();
    }
    for (String jvm :
        List.of(
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "process_uptime_seconds",
            "system_cpu_count")) {
      assertTrue(metrics.contains(jvm), jvm + " missing from /metrics");
    }
    assertEquals(
        200,
        postJson("/v1/decisions?explain=none", "{\"user\":\"ana\"}").statusCode(),
        "decisions continue on the last good revision");
  }

  @Test
  void imagesComeFromImageStreamsAndSizesFromTheWatchedNodes() {
    JsonNode images = json(get("/v1/images"));
    assertEquals("imagestreams", images.get("source").asString());
    assertEquals("s2i-minimal-notebook:py3.9", images.get("default").asString());
    assertEquals("Minimal Python", images.get("images").get(0).get("displayName").asString());

    await(
        "the node watch",
        () ->
            json(get("/v1/sizes"))
                .get("sizes")
                .get(0)
                .get("schedulable")
                .asString()
                .equals("schedulable"));
    JsonNode sizes = json(get("/v1/sizes")).get("sizes");
    assertEquals("Small", sizes.get(0).get("name").asString());
    assertEquals("unschedulable", sizes.get(1).get("schedulable").asString());
    assertEquals("incomplete", sizes.get(2).get("schedulable").asString());

    kube.client.nodes().resource(node("big-1", "96", "2Ti")).create();
    await(
        "a bigger node makes Huge schedulable",
        () ->
            json(get("/v1/sizes"))
                .get("sizes")
                .get(1)
                .get("schedulable")
                .asString()
                .equals("schedulable"));
  }

  @Test
  void preferencesAndOptionsOverHttp() {
    HttpResponse<String> refused =
        putJson(
            "/v1/users/mallory/preferences",
            "{\"volumes\":[{\"name\":\"alice-data\",\"persistentVolumeClaim\":{\"claimName\":\"alice-data\"}}]}");
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("volumes", json(refused).get("field").asString());
    HttpResponse<String> tooManyGpus =
        putJson("/v1/users/gina/preferences?group=gpu", "{\"gpu\": 2}");
    assertEquals(400, tooManyGpus.statusCode(), tooManyGpus.body());
    assertEquals("gpu", json(tooManyGpus).get("field").asString());

    HttpResponse<String> saved =
        putJson(
            "/v1/users/ana/preferences",
            """
            {"image": "s2i-minimal-notebook:py3.9", "size": "Small",
             "env": [{"name": "MY_VAR", "value": "mine"},
                     {"name": "TOKEN", "value": "top-secret", "secret": true}]}
            """);
    assertEquals(200, saved.statusCode(), saved.body());
    assertFalse(saved.body().contains("top-secret"));

    await(
        "the preferences reach decisions",
        () -> postJson("/v1/decisions?explain=none", "{\"user\":\"ana\"}").body().contains("mine"));
    JsonNode options = json(get("/v1/options?user=ana"));
    assertEquals("s2i-minimal-notebook:py3.9", options.get("selected").get("image").asString());
    assertEquals("Small", options.get("selected").get("size").asString());
    assertEquals("MY_VAR", options.get("preferences").get("env").get(0).get("name").asString());
    assertEquals(3, options.get("sizes").size());
    assertEquals(1, options.get("images").get("images").size());
    String decision = options.get("decision").toString();
    assertTrue(decision.contains("\"MY_VAR\""), decision);
    assertTrue(decision.contains("secretKeyRef"), decision);
    assertFalse(options.toString().contains("top-secret"), options.toString());

    // Saved again: the ConfigMap and the Secret exist now and are replaced (the update path,
    // whose calls DeployRbacIT records).
    HttpResponse<String> again =
        putJson(
            "/v1/users/ana/preferences",
            """
            {"size": "Small", "env": [{"name": "TOKEN", "value": "newer", "secret": true}]}
            """);
    assertEquals(200, again.statusCode(), again.body());
    await(
        "the second save reaches decisions",
        () ->
            !postJson("/v1/decisions?explain=none", "{\"user\":\"ana\"}").body().contains("mine"));
    assertEquals(
        "newer",
        new String(
            java.util.Base64.getDecoder()
                .decode(
                    kube.client
                        .secrets()
                        .inNamespace(NS)
                        .withName(io.hubpolicy.model.UserObjectNames.variablesSecret("ana"))
                        .get()
                        .getData()
                        .get("TOKEN")),
            java.nio.charset.StandardCharsets.UTF_8));
  }

  static final ResourceDefinitionContext SPARK = ServicesMockTest.SPARK;

  @Test
  void launchesServicesIntoThePodAndStopsThemOverHttp() throws Exception {
    kube.client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("spark-templates")
                .endMetadata()
                .addToData(
                    "cluster",
                    """
                    apiVersion: radanalytics.io/v1
                    kind: SparkCluster
                    metadata:
                      name: spark-{{ user }}
                    spec:
                      worker: {instances: "{{ workers }}"}
                    """)
                .addToData(
                    "svc",
                    """
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: spark-ui
                    spec:
                      clusterIP: None
                      selector: {spark: "{{ escaped_user_server }}"}
                    """)
                .build())
        .create();
    put(
        configMap(
            "spark",
            Map.of("jupyterhub", "singleuser-profiles"),
            """
            profiles:
            - name: spark
              images: ['s2i-minimal-notebook:py3.9']
              services:
                spark:
                  resources:
                  - {name: spark-templates, path: svc}
                  - {name: spark-templates, path: cluster}
                  configuration: {workers: 2}
                  return: {SPARK_CLUSTER: metadata.name}
            """));
    await(
        "the spark profile is loaded", () -> json(get("/v1/config")).get("profiles").asInt() == 3);
    String request =
        "{\"user\":\"ana\",\"image\":\"s2i-minimal-notebook:py3.9\",\"pod\":"
            + "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"jupyter-ana\"},"
            + "\"spec\":{\"containers\":[{\"name\":\"notebook\",\"image\":\"nb\"}]}}}";

    JsonNode decided = json(postJson("/v1/decisions?explain=none", request));
    assertEquals("spark-ana", decided.at("/services/spark/manifests/1/metadata/name").asString());
    assertEquals(
        "spark-ui-ana", decided.at("/services/spark/manifests/0/metadata/name").asString());
    assertTrue(
        kube.client.genericKubernetesResources(SPARK).inNamespace(NS).list().getItems().isEmpty(),
        "decide creates nothing");

    HttpResponse<String> launched = postJson("/v1/launches?explain=fields", request);
    assertEquals(200, launched.statusCode(), launched.body());
    JsonNode l = json(launched);
    assertTrue(
        l.get("env").toString().contains("{\"name\":\"SPARK_CLUSTER\",\"value\":\"spark-ana\"}"),
        l.get("env").toString());
    assertTrue(
        l.at("/pod/spec/containers/0/env").toString().contains("\"SPARK_CLUSTER\""),
        l.at("/pod").toString());
    assertEquals("spark-ana", l.at("/services/spark/returned/SPARK_CLUSTER").asString());
    assertEquals(2, l.at("/services/spark/objects").size());
    assertEquals("hubpolicy-services-ana", l.get("anchor").asString());
    JsonNode why = l.at("/explanation/fields/env.SPARK_CLUSTER");
    assertEquals("spark-ana", why.get("value").asString(), why.toString());
    assertEquals(
        "Service spark returned SPARK_CLUSTER from 'metadata.name'",
        why.at("/setBy/rule").asString());
    assertEquals("spark", why.at("/setBy/profile").asString());
    assertEquals(
        1, kube.client.genericKubernetesResources(SPARK).inNamespace(NS).list().getItems().size());

    HttpResponse<String> stopped =
        send(HttpRequest.newBuilder(uri("/v1/launches/ana?event=server-stopped")).DELETE());
    assertEquals(200, stopped.statusCode(), stopped.body());
    assertEquals(
        "[\"Service/spark-ui-ana\",\"SparkCluster/spark-ana\"]",
        json(stopped).get("deleted").toString());
    assertTrue(
        kube.client.genericKubernetesResources(SPARK).inNamespace(NS).list().getItems().isEmpty());
    assertEquals(
        null, kube.client.configMaps().inNamespace(NS).withName("hubpolicy-services-ana").get());
    // The audit line of a launch is written after it, with the env the pod really got.
    String id = l.get("decisionId").asString();
    await("the launch is audited", () -> auditLines().stream().anyMatch(line -> line.contains(id)));
    List<String> forLaunch = auditLines().stream().filter(line -> line.contains(id)).toList();
    assertEquals(1, forLaunch.size(), forLaunch.toString());
    JsonNode audited = JSON.readTree(forLaunch.get(0));
    assertEquals(
        "spark-ana", audited.at("/result/env/SPARK_CLUSTER").asString(), audited.toString());
    String metrics = get("/metrics").body();
    assertTrue(metrics.contains("hubpolicy_launches_total{result=\"launched\"} 1.0"), metrics);
    assertTrue(metrics.contains("hubpolicy_stops_total{event=\"server-stopped\"} 1.0"), metrics);
  }

  @Test
  void tokensFromASecretAreRequiredOnV1AndProbesStayOpen() throws Exception {
    running.stop().run();
    running = null;
    kube.client
        .secrets()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("hubpolicy-auth")
                .endMetadata()
                .addToStringData("hub", "from-the-secret")
                .build())
        .create();
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve)
        .parseArgs(
            "--kube",
            "--namespace",
            NS,
            "--port",
            "0",
            "--audit-log",
            "none",
            "--token-secret",
            "hubpolicy-auth/hub");
    running = serve.start();
    await("ready", () -> get("/readyz").statusCode() == 200);

    HttpRequest.Builder config = HttpRequest.newBuilder(uri("/v1/config"));
    assertEquals(
        401,
        http.send(
                config.copy().header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode(),
        "the token file's token is not valid once a Secret is named");
    HttpResponse<String> ok =
        http.send(
            config.copy().header("Authorization", "Bearer from-the-secret").build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode(), ok.body());
  }

  /**
   * Old-system defect 13: its admin API handed a telemetry Secret to any authenticated user. Here
   * no endpoint returns a Secret's value, with or without the token: neither a Secret in the
   * namespace that a profile refers to, nor a user's own secret variable.
   */
  @Test
  void defect13_noEndpointHandsOutASecretsValue() {
    kube.client
        .secrets()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("segment-key")
                .endMetadata()
                .addToStringData("key", "telemetry-write-key-1234")
                .build())
        .create();
    put(
        configMap(
            "jupyter-singleuser-profiles",
            Map.of(),
            PROFILES.replace(
                "env: [{name: SITE, value: main}]",
                "env: [{name: SITE, value: main}, {name: SEGMENT_KEY, valueFrom: {secretKeyRef:"
                    + " {name: segment-key, key: key}}}]")));
    await(
        "the profile referring to the Secret is loaded",
        () -> get("/v1/config").body().contains("\"applied\":2"));
    assertEquals(
        200,
        putJson(
                "/v1/users/ana/preferences",
                "{\"env\": [{\"name\": \"TOKEN\", \"value\": \"users-own-secret-5678\","
                    + " \"secret\": true}]}")
            .statusCode());

    List<HttpResponse<String>> answers =
        List.of(
            get("/v1/config"),
            get("/v1/images"),
            get("/v1/sizes"),
            get("/v1/options?user=ana"),
            get("/v1/users/ana/preferences"),
            postJson("/v1/decisions", "{\"user\":\"ana\"}"),
            postJson("/v1/launches", "{\"user\":\"ana\"}"),
            get("/metrics"));
    for (HttpResponse<String> a : answers) {
      assertEquals(200, a.statusCode(), a.uri() + ": " + a.body());
      assertFalse(a.body().contains("telemetry-write-key-1234"), a.uri() + ": " + a.body());
      assertFalse(a.body().contains("users-own-secret-5678"), a.uri() + ": " + a.body());
    }
    String decision = answers.get(5).body();
    assertTrue(
        decision.contains("\"secretKeyRef\":{\"key\":\"key\",\"name\":\"segment-key\"}"), decision);
    assertTrue(
        auditLines().stream()
            .noneMatch(
                l ->
                    l.contains("telemetry-write-key-1234") || l.contains("users-own-secret-5678")));
  }
}
