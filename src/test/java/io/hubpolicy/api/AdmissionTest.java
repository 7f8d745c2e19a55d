package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.zjsonpatch.JsonPatch;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.model.SafeNames;
import io.hubpolicy.mutation.PodMutator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/admission} over HTTPS on loopback, with AdmissionReviews as the API server sends
 * them (src/test/resources/admission). Each patch is applied, as the API server would, to the pod
 * JSON that was sent.
 */
class AdmissionTest {
  static final String CONFIG =
      """
      profiles:
      - name: globals
        env:
        - {name: GREETING, value: hello-from-policy}
        - {name: TEAM_BUCKET, value: s3://team}
        resources:
          requests: {memory: 500Mi, cpu: 250m}
          limits: {memory: 1Gi, cpu: 500m}
      - name: data science nodes
        groups: [data-science]
        node_tolerations:
        - {key: dedicated, operator: Equal, value: data-science, effect: NoSchedule}
      sizes:
      - name: Small
        resources: {limits: {memory: 2Gi, cpu: "2"}}
      - name: Large
        resources:
          requests: {memory: 4Gi, cpu: "2"}
          limits: {memory: 8Gi, cpu: "8"}
      """;

  static final String DENY_MALLORY =
      """
      package test.admission;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      rule "Mallory is suspended"
      when
          Spawn( user == "mallory" )
          $o : Outcome()
      then
          $o.deny("mallory's notebooks are suspended; ask the hub admins");
      end
      """;

  static final String TOKEN = "admission-test-token";
  static final Path DIR = Path.of("src/test/resources/admission");
  static final TlsFiles TLS = new TlsFiles(TestTls.CERT, TestTls.KEY);
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path tmp;
  static Path auditFile;
  static AuditLog audit;
  static final List<HttpApi> servers = new ArrayList<>();
  static String base;
  static HttpClient https;

  @BeforeAll
  static void start() throws Exception {
    auditFile = tmp.resolve("audit.jsonl");
    audit = AuditLog.toFile(auditFile);
    base = serve(new DecisionEngine(Engines.ruleBase(CONFIG, DENY_MALLORY)), audit, Set.of());
    https = TestTls.client();
  }

  @AfterAll
  static void stop() {
    servers.forEach(HttpApi::stop);
    if (audit != null) {
      audit.close();
    }
  }

  /** An HTTPS server with the test certificate and token; returns its base URL. */
  static String serve(DecisionEngine engine, AuditLog log, Set<String> openPaths) throws Exception {
    HttpApi api =
        TestEdges.http(
            TestEdges.calls(new DecisionService(engine, new PodMutator(), log)),
            new BearerAuth(Tokens.of(TOKEN)),
            openPaths,
            TLS);
    servers.add(api);
    return "https://127.0.0.1:" + api.start("127.0.0.1", HttpApiTest.freePort());
  }

  record Answer(int status, String body, JsonNode json) {
    JsonNode response() {
      assertEquals(200, status, body);
      assertEquals(AdmissionService.API_VERSION, json.path("apiVersion").asString(), body);
      assertEquals(AdmissionService.KIND, json.path("kind").asString(), body);
      return json.get("response");
    }
  }

  static Answer post(String url, String body, String token) throws Exception {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = https.send(req.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = JSON.readTree(r.body());
    } catch (RuntimeException notJson) {
      // left null: the assertions say what was expected
    }
    return new Answer(r.statusCode(), r.body(), json);
  }

  static Answer admit(String body) throws Exception {
    return post(base + HttpApi.ADMISSION_PATH, body, TOKEN);
  }

  static String fixture(String name) throws Exception {
    return Files.readString(DIR.resolve(name), StandardCharsets.UTF_8);
  }

  static ObjectNode review(String name) throws Exception {
    return (ObjectNode) JSON.readTree(fixture(name));
  }

  static JsonNode decodedPatch(JsonNode response) {
    assertEquals("JSONPatch", response.path("patchType").asString(), response.toString());
    return JSON.readTree(Base64.getDecoder().decode(response.get("patch").asString()));
  }

  static void assertAllowedWithoutPatch(JsonNode response, String uid) {
    assertEquals(uid, response.path("uid").asString(), response.toString());
    assertTrue(response.path("allowed").asBoolean(false), response.toString());
    assertFalse(response.has("patch"), response.toString());
    assertFalse(response.has("patchType"), response.toString());
    assertFalse(response.has("status"), response.toString());
  }

  // ---------------------------------------------------------------- a notebook pod

  @Test
  void kubeSpawnerPodGetsExactlyThePolicyAsAPatchOfTheObjectSent() throws Exception {
    ObjectNode review = review("kubespawner-create.json");
    JsonNode response = admit(review.toString()).response();
    assertEquals("8f3a4a1e-2c1b-4c8e-9a51-2b8f6c1d9e07", response.path("uid").asString());
    assertTrue(response.path("allowed").asBoolean(false), response.toString());
    JsonNode patch = decodedPatch(response);

    // As the API server does it: the patch against the very JSON it sent, not fabric8's copy.
    JsonNode sent = review.get("request").get("object");
    JsonNode patched = JsonPatch.apply(patch, sent);

    ObjectNode expected = (ObjectNode) sent.deepCopy();
    ObjectNode notebook = (ObjectNode) expected.get("spec").get("containers").get(0);
    ArrayNode env = (ArrayNode) notebook.get("env");
    assertEquals("GREETING", env.get(8).get("name").asString(), "fixture layout");
    ((ObjectNode) env.get(8)).put("value", "hello-from-policy"); // replaced in place
    env.addObject().put("name", "TEAM_BUCKET").put("value", "s3://team");
    env.addObject()
        .put("name", PodMutator.USER_NAME_ENV)
        .put("value", "alice.smith@example.com"); // the annotation, not the escaped label
    // The built-in rule's MEM_LIMIT: the memory limit in bytes.
    env.addObject().put("name", "MEM_LIMIT").put("value", "8589934592");
    // Size Large (annotation) after the globals; the hub's own values replaced per key.
    ObjectNode resources = notebook.putObject("resources");
    resources.putObject("requests").put("memory", "4Gi").put("cpu", "2");
    resources.putObject("limits").put("memory", "8Gi").put("cpu", "8");
    // The profile for group data-science (annotation), after the hub's tolerations.
    ((ArrayNode) expected.get("spec").get("tolerations"))
        .addObject()
        .put("effect", "NoSchedule")
        .put("key", "dedicated")
        .put("operator", "Equal")
        .put("value", "data-science");
    ((ObjectNode) expected.get("metadata").get("labels"))
        .put(PodMutator.USER_LABEL, SafeNames.labelValue("alice.smith@example.com"));
    assertEquals(expected, patched, "the policy landed and nothing else changed");

    // Spelled out: what fabric8 would write differently is not in the patch at all.
    for (JsonNode op : patch) {
      assertTrue(
          Set.of("add", "remove", "replace").contains(op.get("op").asString()), op.toString());
      String path = op.get("path").asString();
      for (String untouched :
          List.of(
              "/metadata/creationTimestamp",
              "/metadata/managedFields",
              "/spec/nodeSelector",
              "/spec/initContainers",
              "/spec/securityContext",
              "/spec/containers/0/securityContext",
              "/spec/containers/0/futureContainerField",
              "/spec/containers/0/lifecycle",
              "/status")) {
        assertFalse(path.startsWith(untouched), "patch touches " + path + ": " + op);
      }
    }
  }

  @Test
  void recognisedOnlyWithTheSingleUserLabelAndTheUsernameAnnotation() throws Exception {
    ObjectNode noAnnotation = review("kubespawner-create.json");
    ((ObjectNode) noAnnotation.at("/request/object/metadata/annotations"))
        .remove(AdmissionService.USERNAME_ANNOTATION);
    assertAllowedWithoutPatch(
        admit(noAnnotation.toString()).response(), "8f3a4a1e-2c1b-4c8e-9a51-2b8f6c1d9e07");

    ObjectNode otherComponent = review("kubespawner-create.json");
    ((ObjectNode) otherComponent.at("/request/object/metadata/labels"))
        .put(AdmissionService.COMPONENT_LABEL, "singleuser-image-puller");
    assertAllowedWithoutPatch(
        admit(otherComponent.toString()).response(), "8f3a4a1e-2c1b-4c8e-9a51-2b8f6c1d9e07");
  }

  @ParameterizedTest
  @CsvSource({
    "other-pod-create.json, e4f1c9a7-2b3d-4e5f-a6b7-c8d9e0f1a2b3",
    "configmap-create.json, 3a5c7e9b-1d2f-4a6c-8e0b-2d4f6a8c0e1d",
    "update.json, b0d6a2e9-3f41-4c85-a7d2-9e1b6c3f8a40"
  })
  void otherPodsKindsAndOperationsPassUnchanged(String file, String uid) throws Exception {
    assertAllowedWithoutPatch(admit(fixture(file)).response(), uid);
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void aUserARuleDeniesIsRefusedWithTheRulesReason() throws Exception {
    JsonNode response = admit(fixture("denied-create.json")).response();
    assertEquals("1c7e0f3b-5d2a-4e61-8b7c-3a9d0e4f5a62", response.path("uid").asString());
    assertFalse(response.path("allowed").asBoolean(true), response.toString());
    assertFalse(response.has("patch"), response.toString());
    JsonNode status = response.get("status");
    assertNotNull(status, response.toString());
    assertEquals(403, status.path("code").asInt());
    assertEquals("Forbidden", status.path("reason").asString());
    assertEquals(
        "mallory's notebooks are suspended; ask the hub admins", status.path("message").asString());
    // Denied decisions are audited like allowed ones.
    String id = response.path("auditAnnotations").path("decision-id").asString();
    JsonNode line = waitForAuditLine(id);
    assertEquals("mallory", line.at("/input/user").asString());
    assertFalse(line.at("/result/allowed").asBoolean(true), line.toString());
  }

  @Test
  void aPodThatCannotBeDecidedIsRefusedNotAWebhookFailure() throws Exception {
    ObjectNode review = review("kubespawner-create.json");
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put(AdmissionService.SIZE_ANNOTATION, "Huge");
    JsonNode response = admit(review.toString()).response();
    assertFalse(response.path("allowed").asBoolean(true), response.toString());
    assertEquals(400, response.at("/status/code").asInt(), response.toString());
    assertEquals("BadRequest", response.at("/status/reason").asString());
    String message = response.at("/status/message").asString();
    assertTrue(message.contains("annotation hubpolicy.io/size"), message);
    assertTrue(message.contains("'Huge'"), message);
  }

  @ParameterizedTest
  @CsvSource({
    "malformed/not-json.txt, body",
    "malformed/v1beta1.json, apiVersion",
    "malformed/wrong-kind.json, kind",
    "malformed/no-request.json, request",
    "malformed/no-uid.json, request.uid",
    "malformed/no-object.json, request.object"
  })
  void aMalformedReviewIsA400NamingTheField(String file, String field) throws Exception {
    Answer a = admit(fixture(file));
    assertEquals(400, a.status(), a.body());
    assertNotNull(a.json(), a.body());
    assertEquals(field, a.json().path("field").asString(), a.body());
    assertFalse(a.json().has("response"), "never an answer the API server could act on");
    HttpApiTest.assertNoInternals(a.body());
  }

  @Test
  void withoutARuleBaseANotebookPodFailsTheWebhookAndOthersPass() throws Exception {
    String loading = serve(new DecisionEngine(null), AuditLog.NONE, Set.of());
    Answer a = post(loading + HttpApi.ADMISSION_PATH, fixture("kubespawner-create.json"), TOKEN);
    assertEquals(503, a.status(), a.body());
    assertFalse(a.body().contains("\"allowed\""), a.body());
    // No decision is needed to let the hub's own pod through.
    assertAllowedWithoutPatch(
        post(loading + HttpApi.ADMISSION_PATH, fixture("other-pod-create.json"), TOKEN).response(),
        "e4f1c9a7-2b3d-4e5f-a6b7-c8d9e0f1a2b3");
  }

  // ---------------------------------------------------------------- audit

  @Test
  void decisionsAreAuditedButDryRunsAreNot() throws Exception {
    JsonNode dry = admit(fixture("dry-run-create.json")).response();
    assertEquals("5e2b8c41-97d0-4a3f-b1e6-0c4d7f9a2b18", dry.path("uid").asString());
    assertTrue(dry.path("allowed").asBoolean(false), dry.toString());
    assertFalse(dry.has("auditAnnotations"), "a dry run names no audited decision");
    JsonNode dryPod =
        JsonPatch.apply(decodedPatch(dry), review("dry-run-create.json").at("/request/object"));
    assertEquals("2Gi", dryPod.at("/spec/containers/0/resources/limits/memory").asString());

    // The log is written in order by one thread: once the later decision is there, a line for
    // the dry run would be too.
    ObjectNode real = review("kubespawner-create.json");
    ((ObjectNode) real.get("request")).put("uid", "2d9e7c55-0a1b-4c3d-9e8f-7a6b5c4d3e2f");
    JsonNode response = admit(real.toString()).response();
    String id = response.path("auditAnnotations").path("decision-id").asString();
    JsonNode line = waitForAuditLine(id);
    assertEquals("alice.smith@example.com", line.at("/input/user").asString());
    assertEquals("Large", line.at("/input/size").asString(), line.toString());
    assertFalse(
        Files.readString(auditFile).contains("dryrun-bob"), "the dry run left an audit line");
  }

  static JsonNode waitForAuditLine(String decisionId) throws Exception {
    assertFalse(decisionId.isEmpty(), "no decision id to look for");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(auditFile)) {
        for (String raw : Files.readAllLines(auditFile)) {
          if (raw.contains(decisionId)) {
            JsonNode line = JSON.readTree(raw);
            if (decisionId.equals(line.path("decisionId").asString())) {
              return line;
            }
          }
        }
      }
      Thread.sleep(50);
    }
    return fail("no audit line for decision " + decisionId);
  }

  // ---------------------------------------------------------------- token

  @ParameterizedTest
  @ValueSource(strings = {"", "not-the-token"})
  void theTokenIsRequired(String token) throws Exception {
    Answer a =
        post(
            base + HttpApi.ADMISSION_PATH,
            fixture("kubespawner-create.json"),
            token.isEmpty() ? null : token);
    assertEquals(401, a.status(), a.body());
    assertFalse(a.body().contains("\"allowed\""), a.body());
  }

  @Test
  void anExemptionOpensTheAdmissionPathAndNothingElse() throws Exception {
    String open =
        serve(
            new DecisionEngine(Engines.ruleBase(CONFIG)),
            AuditLog.NONE,
            Set.of(HttpApi.ADMISSION_PATH));
    JsonNode response =
        post(open + HttpApi.ADMISSION_PATH, fixture("kubespawner-create.json"), null).response();
    assertTrue(response.path("allowed").asBoolean(false), response.toString());
    assertTrue(response.has("patch"), response.toString());

    assertEquals(401, post(open + "/v1/decisions", "{\"user\":\"alice\"}", null).status());
    assertEquals(
        401,
        post(open + HttpApi.ADMISSION_PATH + "/", fixture("kubespawner-create.json"), null)
            .status(),
        "only the exact path is open");
    assertEquals(
        200,
        post(open + "/v1/decisions", "{\"user\":\"alice\"}", TOKEN).status(),
        "the token still works everywhere");
  }
}
