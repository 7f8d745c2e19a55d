package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.TemplateRenderer;
import io.hubpolicy.services.TemplateSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The launch endpoints without a cluster (file mode): decisions, refusals and their statuses. */
class LaunchHttpTest {
  static final String CONFIG =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: main}]
      - name: spark
        images: ['spark:1']
        services:
          spark:
            resources:
            - {name: spark-templates, path: cluster}
            configuration: {workers: 3}
            labels: {team: data}
            lifecycle: server-deleted
            return: {SPARK_CLUSTER: metadata.name}
      - name: broken
        images: ['broken:1']
        services:
          bad:
            resources:
            - {name: spark-templates, path: undefined}
      - name: kubetemplatespawner
        images: ['kts:1']
        services:
          home:
            resources:
            - {name: spark-templates, path: kts}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: spark-templates}
      data:
        cluster: |
          apiVersion: radanalytics.io/v1
          kind: SparkCluster
          metadata:
            name: spark-cluster-{{ user }}
          spec:
            worker: {instances: "{{ workers }}"}
        undefined: |
          apiVersion: v1
          kind: Service
          metadata:
            name: x-{{ no_such_variable }}
        kts: |
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
            annotations: {kubetemplatespawner/lifecycle: user-deleted}
          data:
            userid: "{{ .Values.userid }}"
            user: "{{ .Values.unescaped_username }}"
      """;

  static final String DENY =
      """
      package hubpolicy.test
      import io.hubpolicy.engine.facts.*
      rule "Mallory may not spawn" when
        Spawn( user == "mallory" )
        $o : Outcome()
      then
        modify($o) { deny("mallory is suspended until Friday") }
      end
      """;

  static final JsonMapper JSON = JsonMapper.builder().build();
  static HttpApi api;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    RuleBase rb = Engines.ruleBase(CONFIG, DENY);
    DecisionService decisions =
        new DecisionService(new DecisionEngine(rb), new PodMutator(), AuditLog.NONE)
            .withServices(
                new ServicePlanner(
                    new TemplateRenderer(),
                    TemplateSource.configured(() -> rb.config().templates())),
                "hub",
                false);
    api = TestEdges.http(TestEdges.calls(decisions), TestEdges.ANYONE, Set.of(), null);
    base = "http://127.0.0.1:" + api.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    api.stop();
  }

  record Answer(int status, JsonNode json) {}

  static Answer send(HttpRequest.Builder b) throws Exception {
    HttpResponse<String> r =
        http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), JSON.readTree(r.body()));
  }

  static Answer post(String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static Answer delete(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  @Test
  void decideShowsTheManifestsWithoutLaunching() throws Exception {
    Answer a =
        post(
            "/v1/decisions?explain=none",
            "{\"user\":\"Alice.Smith\",\"image\":\"spark:1\",\"server\":\"big\"}");

    assertEquals(200, a.status(), a.json().toString());
    JsonNode manifests = a.json().at("/services/spark/manifests");
    assertEquals(1, manifests.size(), a.json().toString());
    JsonNode m = manifests.get(0);
    assertEquals("SparkCluster", m.get("kind").asString());
    // The template names the user, not the server: the server is added, as in pod names.
    assertEquals("spark-cluster-alice-smith---2ece8250--big", m.at("/metadata/name").asString());
    assertEquals("hub", m.at("/metadata/namespace").asString());
    assertEquals("3", m.at("/spec/worker/instances").asString());
    JsonNode labels = m.at("/metadata/labels");
    assertEquals("data", labels.get("team").asString());
    assertEquals("hubpolicy", labels.get("app.kubernetes.io/managed-by").asString());
    assertEquals("alice-smith---2ece8250", labels.get("hub.jupyter.org/username").asString());
    assertEquals("big", labels.get("hub.jupyter.org/servername").asString());
    assertEquals(
        "server-deleted", m.at("/metadata/annotations").get("hubpolicy/lifecycle").asString());
  }

  @Test
  void aTemplateThatDoesNotRenderIsShownAsTheServicesError() throws Exception {
    Answer a = post("/v1/decisions?explain=none", "{\"user\":\"alice\",\"image\":\"broken:1\"}");

    assertEquals(200, a.status());
    String error = a.json().at("/services/bad/error").asString();
    assertTrue(error.contains("ConfigMap spark-templates, key undefined"), error);
    assertTrue(error.contains("no_such_variable"), error);
    assertTrue(a.json().at("/services/bad/manifests").isMissingNode());
  }

  @Test
  void launchWithoutServicesAnswersTheDecision() throws Exception {
    Answer a = post("/v1/launches", "{\"user\":\"bob\",\"image\":\"plain:1\"}");

    assertEquals(200, a.status(), a.json().toString());
    assertEquals("main", a.json().at("/env/0/value").asString());
    assertTrue(a.json().get("anchor") == null);
  }

  @Test
  void launchWithServicesButNoClusterIs503NamingTheServices() throws Exception {
    Answer a = post("/v1/launches", "{\"user\":\"bob\",\"image\":\"spark:1\"}");

    assertEquals(503, a.status());
    assertTrue(a.json().get("error").asString().contains("services (spark)"), a.json().toString());
    assertTrue(a.json().get("error").asString().contains("--kube"));
  }

  @Test
  void aDeniedLaunchIs403WithTheRulesReason() throws Exception {
    Answer a = post("/v1/launches", "{\"user\":\"mallory\",\"image\":\"spark:1\"}");

    assertEquals(403, a.status());
    assertEquals("mallory is suspended until Friday", a.json().get("error").asString());
    assertFalse(a.json().get("decisionId").asString().isEmpty());
  }

  @Test
  void stopNeedsAKnownEvent() throws Exception {
    Answer missing = delete("/v1/launches/alice");
    Answer unknown = delete("/v1/launches/alice?event=server-exploded");
    Answer noCluster = delete("/v1/launches/alice?event=server-stopped");

    assertEquals(400, missing.status());
    assertEquals("event", missing.json().get("field").asString());
    assertEquals(400, unknown.status());
    assertTrue(unknown.json().get("error").asString().contains("server-exploded"));
    // Nothing can have been launched without a cluster: the stop succeeds and deletes nothing.
    assertEquals(200, noCluster.status(), noCluster.json().toString());
    assertEquals("[]", noCluster.json().get("deleted").toString());
  }

  @Test
  void theHubsUserIdIsTheTemplatesUserid() throws Exception {
    Answer sent =
        post(
            "/v1/decisions?explain=none",
            "{\"user\":\"Alice.Smith\",\"image\":\"kts:1\",\"server\":\"big\",\"userId\":42}");
    Answer notSent = post("/v1/decisions?explain=none", "{\"user\":\"alice\",\"image\":\"kts:1\"}");
    Answer negative = post("/v1/decisions", "{\"user\":\"alice\",\"userId\":-1}");
    Answer text = post("/v1/launches", "{\"user\":\"alice\",\"userId\":\"42\"}");

    assertEquals(200, sent.status(), sent.json().toString());
    JsonNode m = sent.json().at("/services/home/manifests/0");
    assertEquals("jupyter-alice-smith---2ece8250--big", m.at("/metadata/name").asString());
    assertEquals("42", m.at("/data/userid").asString());
    assertEquals("Alice.Smith", m.at("/data/user").asString());
    assertEquals("jupyter", m.at("/metadata/labels/app.kubernetes.io~1instance").asString());
    assertEquals(
        "user-deleted", m.at("/metadata/annotations/hubpolicy~1lifecycle").asString(), "KTS's");
    assertEquals(200, notSent.status(), notSent.json().toString());
    String error = notSent.json().at("/services/home/error").asString();
    assertTrue(
        error.contains(
            "ConfigMap spark-templates, key kts, line 7: undefined variable $userid (the hub did"
                + " not send the user's id: request field userId, from spawner.user.id)"),
        error);
    for (Answer bad : java.util.List.of(negative, text)) {
      assertEquals(400, bad.status(), bad.json().toString());
      assertEquals("userId", bad.json().get("field").asString());
      assertTrue(
          bad.json().get("error").asString().contains("whole number"), bad.json().toString());
    }
  }

  @Test
  void unknownLaunchFieldsAreRefused() throws Exception {
    Answer a = post("/v1/launches", "{\"user\":\"bob\",\"servr\":\"x\"}");

    assertEquals(400, a.status());
    assertTrue(a.json().get("error").asString().contains("servr"));
  }
}
