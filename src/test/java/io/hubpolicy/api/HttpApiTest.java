package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.mutation.PodMutator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class HttpApiTest {
  static final String CONFIG =
      """
      profiles:
      - name: globals
        env:
        - {name: GREETING, value: hello-plain-value}
        - {name: API_TOKEN, value: hunter2-do-not-log}
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef: {name: s, key: k}
        resources:
          requests: {memory: 500Mi, cpu: 250m}
          limits: {memory: 1Gi, cpu: 500m}
      - name: alice only
        users: [alice]
        env:
        - {name: GREETING, value: hi-alice}
      - name: Thoth Notebooks
        images: ['s2i-thoth-notebook:3.6']
        users: [vpavlin]
        resources:
          limits: {memory: 2Gi}
      sizes:
      - name: Small
        resources: {limits: {memory: 2Gi, cpu: "2"}}
      - name: Large
        resources:
          requests: {memory: 4Gi}
          limits: {memory: 8Gi, cpu: "8"}
      """;

  static final String POD_JSON =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"jupyter-bob"},
       "spec":{"containers":[
         {"name":"notebook","image":"s2i-minimal-notebook:3.6","env":[{"name":"GREETING","value":"from-pod"}]},
         {"name":"proxy","image":"oauth-proxy"}]}}
      """;

  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path tmp;
  static Path auditFile;
  static RuleBase rb;
  static AuditLog audit;
  static HttpApi api;
  static String base;
  static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    rb = Engines.ruleBase(CONFIG);
    auditFile = tmp.resolve("audit").resolve("decisions.jsonl");
    audit = AuditLog.toFile(auditFile);
    api = TestEdges.http(new DecisionService(new DecisionEngine(rb), new PodMutator(), audit));
    int port = api.start("127.0.0.1", 0);
    assertTrue(port > 0, "port " + port);
    assertEquals(port, api.port());
    base = "http://127.0.0.1:" + port;
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.stop();
    }
    if (audit != null) {
      audit.close();
    }
  }

  record Answer(int status, String body, JsonNode json, String contentType) {}

  static Answer post(String pathAndQuery, String body) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return send(req);
  }

  static Answer get(String path) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build());
  }

  static Answer send(HttpRequest req) throws Exception {
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = JSON.readTree(r.body());
    } catch (RuntimeException notJson) {
      // left null: the assertions say what was expected
    }
    return new Answer(
        r.statusCode(), r.body(), json, r.headers().firstValue("content-type").orElse(""));
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  static Map<String, String> env(JsonNode envArray) {
    Map<String, String> out = new HashMap<>();
    envArray.forEach(
        e -> out.put(e.get("name").asString(), e.has("value") ? e.get("value").asString() : null));
    return out;
  }

  /** A 400 with a JSON body naming the field, without any Java internals. */
  static Answer assertBadRequest(Answer a, String field) {
    assertEquals(400, a.status(), a.body());
    assertTrue(a.contentType().startsWith("application/json"), a.contentType());
    assertNotNull(a.json(), "error body must be JSON: " + a.body());
    assertEquals(field, a.json().path("field").asString(), a.body());
    assertFalse(a.json().path("error").asString().isBlank(), a.body());
    assertNoInternals(a.body());
    return a;
  }

  static void assertNoInternals(String body) {
    assertFalse(body.contains("Exception"), "error body leaks an exception: " + body);
    assertFalse(body.contains("at io."), "error body leaks a stack trace: " + body);
    assertFalse(body.contains("at java."), "error body leaks a stack trace: " + body);
    assertFalse(body.contains("tools.jackson"), "error body leaks Jackson internals: " + body);
    for (Pattern p : JAVA_NAMES) {
      assertFalse(p.matcher(body).find(), "error body names Java (" + p + "): " + body);
    }
  }

  /**
   * Java in an answer: packages, classes, exceptions, Jackson's features and tokens, object
   * identities, stack traces, and the class names fabric8 and Jackson put in their messages.
   */
  static final List<Pattern> JAVA_NAMES =
      List.of(
          Pattern.compile("\\b(?:java|javax|jdk|sun|io|tools|com|org|net)\\.[a-z_]+\\.[a-zA-Z]"),
          Pattern.compile("[A-Z][A-Za-z]+(?:Exception|Error)\\b"),
          Pattern.compile("`"),
          Pattern.compile("\\w@[0-9a-f]{4,}"),
          Pattern.compile("\\$[A-Z]"),
          Pattern.compile("[A-Z][A-Za-z]*Feature\\b"),
          Pattern.compile(
              "\\bJsonToken\\b|\\b(?:START|END)_(?:OBJECT|ARRAY)\\b|\\bVALUE_[A-Z_]+\\b"),
          Pattern.compile("\\[Source:"),
          Pattern.compile("\\bat [a-z]+\\.[a-z]"),
          Pattern.compile(
              "\\b(?:ArrayList|LinkedHashMap|HashMap|ObjectNode|ArrayNode|TextNode|StringNode"
                  + "|JsonNode|PodSpec|ObjectMeta|IntOrString|EnvVarSource|Integer|Long|Boolean)\\b"));

  // ---------------------------------------------------------------- decisions

  @Test
  void decisionHasDocumentedFieldsAndValues() throws Exception {
    Answer a =
        post(
            "/v1/decisions",
            "{\"user\":\"vpavlin\",\"groups\":[\"devs\"],\"image\":\"s2i-thoth-notebook:3.6\",\"size\":\"Large\"}");
    assertEquals(200, a.status(), a.body());
    assertTrue(a.contentType().startsWith("application/json"), a.contentType());
    JsonNode d = a.json();
    for (String f :
        List.of(
            "decisionId",
            "revision",
            "user",
            "image",
            "size",
            "allowed",
            "profiles",
            "env",
            "resources",
            "tolerations",
            "affinity",
            "volumes",
            "gpu",
            "services",
            "firedRules",
            "explanation")) {
      assertTrue(d.has(f), "missing " + f + " in " + a.body());
    }
    assertTrue(d.get("decisionId").asString().startsWith("d-"), d.get("decisionId").asString());
    assertEquals(rb.revision(), d.get("revision").asString());
    assertEquals("vpavlin", d.get("user").asString());
    assertEquals(List.of("devs"), strings(d.get("groups")));
    assertEquals("s2i-thoth-notebook:3.6", d.get("image").asString());
    assertEquals("Large", d.get("size").asString());
    assertTrue(d.get("allowed").asBoolean());
    assertEquals(List.of(), strings(d.get("reasons")));
    assertEquals(List.of("globals", "Thoth Notebooks"), strings(d.get("profiles")));

    Map<String, String> env = env(d.get("env"));
    assertEquals("hello-plain-value", env.get("GREETING"));
    assertEquals("hunter2-do-not-log", env.get("API_TOKEN"), "the answer itself carries the value");
    assertEquals("vpavlin", env.get("JUPYTERHUB_USER_NAME"));
    assertEquals(String.valueOf(8L * 1024 * 1024 * 1024), env.get("MEM_LIMIT"));
    JsonNode fromSecret = null;
    for (JsonNode e : d.get("env")) {
      if (e.get("name").asString().equals("FROM_SECRET")) {
        fromSecret = e;
      }
    }
    assertNotNull(fromSecret);
    assertEquals("s", fromSecret.get("valueFrom").get("secretKeyRef").get("name").asString());

    assertEquals("8Gi", d.get("resources").get("limits").get("memory").asString());
    assertEquals("8", d.get("resources").get("limits").get("cpu").asString());
    assertEquals("4Gi", d.get("resources").get("requests").get("memory").asString());
    assertEquals("250m", d.get("resources").get("requests").get("cpu").asString());
    assertEquals(0, d.get("tolerations").size());
    assertTrue(d.get("affinity").isNull());
    assertEquals(0, d.get("volumes").size());
    assertEquals(0, d.get("gpu").asInt());
    assertTrue(d.get("services").isObject() && d.get("services").isEmpty());

    // firedRules in firing order, with salience
    JsonNode fired = d.get("firedRules");
    List<String> rules = new ArrayList<>();
    fired.forEach(r -> rules.add(r.get("rule").asString()));
    assertEquals(
        List.of(
            "Apply matching profile",
            "Apply matching profile",
            "Merged profiles are visible to the rules below",
            "The chosen size applies after every profile",
            "Every notebook knows its user name",
            "MEM_LIMIT carries the memory limit in bytes"),
        rules);
    assertEquals("globals", fired.get(0).get("profile").asString());
    assertEquals("Thoth Notebooks", fired.get(1).get("profile").asString());
    for (int i = 1; i < fired.size(); i++) {
      assertTrue(
          fired.get(i - 1).get("salience").asInt() >= fired.get(i).get("salience").asInt(),
          "firing order follows salience: " + fired);
    }
    assertEquals(100000, fired.get(2).get("salience").asInt());
    assertEquals(90000, fired.get(3).get("salience").asInt());

    // explanation: who set a field and what it overrode
    JsonNode mem = d.get("explanation").get("fields").get("resources.limits.memory");
    assertEquals("8Gi", mem.get("value").asString());
    assertEquals(
        "The chosen size applies after every profile", mem.get("setBy").get("rule").asString());
    List<String> overrodeValues = new ArrayList<>();
    List<String> overrodeBy = new ArrayList<>();
    mem.get("overrode")
        .forEach(
            o -> {
              overrodeValues.add(o.get("value").asString());
              overrodeBy.add(o.get("setBy").get("profile").asString());
            });
    assertEquals(List.of("1Gi", "2Gi"), overrodeValues);
    assertEquals(List.of("globals", "Thoth Notebooks"), overrodeBy);

    // no pod sent: no pod, no patch
    assertFalse(d.has("pod"));
    assertFalse(d.has("patch"));
  }

  @Test
  void notAppliedGivesExactReasonForNonMatchingUser() throws Exception {
    Answer a = post("/v1/decisions?explain=full", "{\"user\":\"bob\"}");
    assertEquals(200, a.status(), a.body());
    assertEquals(List.of("globals"), strings(a.json().get("profiles")));
    JsonNode notApplied = a.json().get("explanation").get("notApplied");
    Map<String, String> reasons = new HashMap<>();
    notApplied.forEach(n -> reasons.put(n.get("profile").asString(), n.get("reason").asString()));
    assertEquals(
        "user 'bob' not in users [alice]", reasons.get("alice only"), notApplied.toString());
    assertTrue(
        reasons.get("Thoth Notebooks").contains("user 'bob' not in users [vpavlin]"),
        reasons.toString());
    assertTrue(
        reasons.get("Thoth Notebooks").contains("no image given"),
        "the image condition is explained too: " + reasons);
    assertEquals(
        2, notApplied.size(), "every profile that did not apply, and only those: " + notApplied);
    assertFalse(reasons.containsKey("globals"));
  }

  @Test
  void explainLevels() throws Exception {
    String body = "{\"user\":\"bob\"}";
    Answer none = post("/v1/decisions?explain=none", body);
    assertEquals(200, none.status(), none.body());
    assertFalse(none.json().has("explanation"), none.body());
    assertTrue(none.json().has("firedRules"));

    Answer fields = post("/v1/decisions?explain=fields", body);
    assertEquals(200, fields.status(), fields.body());
    assertTrue(fields.json().get("explanation").has("fields"));
    assertTrue(fields.json().get("explanation").get("fields").has("env.GREETING"));
    assertFalse(fields.json().get("explanation").has("notApplied"), fields.body());

    Answer full = post("/v1/decisions?explain=full", body);
    assertEquals(200, full.status(), full.body());
    assertTrue(full.json().get("explanation").has("notApplied"));
    assertTrue(full.json().get("explanation").has("fields"));

    Answer close = post("/v1/decisions?explain=close", body);
    assertEquals(200, close.status(), close.body());
    assertTrue(close.json().get("explanation").get("fields").has("env.GREETING"));
    assertTrue(close.json().get("explanation").has("notApplied"), close.body());
    assertTrue(close.json().get("explanation").has("closeCount"), close.body());

    assertBadRequest(post("/v1/decisions?explain=verbose", body), "explain");
  }

  @Test
  void byDefaultOnlyTheProfilesThatCameCloseAreExplainedAndTheRestCounted() throws Exception {
    // "Thoth Notebooks" names the image but not bob: close. "alice only" names neither user nor
    // image (it is for every image): not close, only counted.
    Answer a = post("/v1/decisions", "{\"user\":\"bob\",\"image\":\"s2i-thoth-notebook:3.6\"}");
    assertEquals(200, a.status(), a.body());
    JsonNode e = a.json().get("explanation");
    assertTrue(e.get("fields").has("env.GREETING"), a.body());
    assertEquals(2, e.get("notAppliedCount").asInt(), a.body());
    assertEquals(1, e.get("closeCount").asInt(), a.body());
    assertEquals(1, e.get("notApplied").size(), a.body());
    assertEquals("Thoth Notebooks", e.at("/notApplied/0/profile").asString());
    assertEquals(2, e.at("/notApplied/0/order").asInt());
    assertEquals("user 'bob' not in users [vpavlin]", e.at("/notApplied/0/reason").asString());
    assertFalse(e.has("offset"), a.body());

    // Nothing close: an empty list, and the count.
    Answer none = post("/v1/decisions", "{\"user\":\"bob\"}");
    assertEquals(0, none.json().at("/explanation/notApplied").size(), none.body());
    assertEquals(0, none.json().at("/explanation/closeCount").asInt(-1), none.body());
    assertEquals(2, none.json().at("/explanation/notAppliedCount").asInt(), none.body());
  }

  @Test
  void explainFullIsPaged() throws Exception {
    String body = "{\"user\":\"bob\"}";
    Answer first = post("/v1/decisions?explain=full&limit=1", body);
    assertEquals(200, first.status(), first.body());
    JsonNode e = first.json().get("explanation");
    assertEquals(2, e.get("notAppliedCount").asInt(), first.body());
    assertEquals(0, e.get("offset").asInt());
    assertEquals(1, e.get("limit").asInt());
    assertEquals("alice only", e.at("/notApplied/0/profile").asString(), first.body());
    assertEquals(1, e.get("notApplied").size());
    Answer second = post("/v1/decisions?explain=full&offset=1&limit=1", body);
    assertEquals(
        "Thoth Notebooks",
        second.json().at("/explanation/notApplied/0/profile").asString(),
        second.body());
    Answer past = post("/v1/decisions?explain=full&offset=2", body);
    assertEquals(0, past.json().at("/explanation/notApplied").size(), past.body());
    assertEquals(100, past.json().at("/explanation/limit").asInt(), "the default limit");

    assertBadRequest(post("/v1/decisions?explain=full&offset=-1", body), "offset");
    assertBadRequest(post("/v1/decisions?explain=full&offset=x", body), "offset");
    assertBadRequest(post("/v1/decisions?explain=full&limit=0", body), "limit");
    assertBadRequest(post("/v1/decisions?explain=full&limit=1001", body), "limit");
    assertBadRequest(post("/v1/decisions?limit=5", body), "limit");
    assertBadRequest(post("/v1/decisions?explain=none&offset=5", body), "offset");
  }

  @Test
  void podInBodyGivesPodAndPatch() throws Exception {
    Answer a =
        post("/v1/decisions", "{\"user\":\"bob\",\"size\":\"Small\",\"pod\":" + POD_JSON + "}");
    assertEquals(200, a.status(), a.body());
    JsonNode pod = a.json().get("pod");
    assertNotNull(pod, a.body());
    JsonNode nb = pod.get("spec").get("containers").get(0);
    assertEquals("notebook", nb.get("name").asString());
    Map<String, String> env = env(nb.get("env"));
    assertEquals(
        "hello-plain-value", env.get("GREETING"), "the decision wins over the pod's value");
    assertEquals(
        "GREETING",
        nb.get("env").get(0).get("name").asString(),
        "existing entry keeps its position");
    assertEquals("bob", env.get("JUPYTERHUB_USER_NAME"));
    assertEquals("2Gi", nb.get("resources").get("limits").get("memory").asString());
    assertEquals("2", nb.get("resources").get("limits").get("cpu").asString());
    assertEquals("500Mi", nb.get("resources").get("requests").get("memory").asString());
    JsonNode proxy = pod.get("spec").get("containers").get(1);
    assertEquals(Map.of("JUPYTERHUB_USER_NAME", "bob"), env(proxy.get("env")));
    assertEquals("bob", pod.get("metadata").get("labels").get(PodMutator.USER_LABEL).asString());

    JsonNode patch = a.json().get("patch");
    assertTrue(patch.isArray() && !patch.isEmpty(), a.body());
    JsonNode input = JSON.readTree(POD_JSON);
    assertEquals(pod, io.fabric8.zjsonpatch.JsonPatch.apply(patch, input), "patch(input) == pod");
  }

  @Test
  void podWithoutContainersIsA400() throws Exception {
    Answer a =
        post(
            "/v1/decisions",
            "{\"user\":\"bob\",\"pod\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[]}}}");
    assertBadRequest(a, "pod");
  }

  @Test
  void podOfWrongShapeIsA400() throws Exception {
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"pod\":\"not a pod\"}"), "pod");
    assertBadRequest(
        post("/v1/decisions", "{\"user\":\"bob\",\"pod\":{\"kind\":\"Deployment\",\"spec\":{}}}"),
        "pod");
    assertBadRequest(
        post(
            "/v1/decisions",
            "{\"user\":\"bob\",\"pod\":{\"kind\":\"Pod\",\"spec\":{\"containers\":\"x\"}}}"),
        "pod");
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void malformedJsonIsA400OnBody() throws Exception {
    Answer a = assertBadRequest(post("/v1/decisions", "{\"user\": \"bob\""), "body");
    assertTrue(a.json().get("error").asString().contains("JSON"), a.body());
    assertBadRequest(post("/v1/decisions", "not json at all"), "body");
    assertBadRequest(post("/v1/decisions", ""), "body");
    assertBadRequest(post("/v1/decisions", "[\"user\"]"), "body");
  }

  @Test
  void missingUserIsA400() throws Exception {
    assertBadRequest(post("/v1/decisions", "{\"image\":\"x\"}"), "user");
    assertBadRequest(post("/v1/decisions", "{\"user\":\"  \"}"), "user");
    assertBadRequest(post("/v1/decisions", "{\"user\":null}"), "user");
    assertBadRequest(post("/v1/decisions", "{\"user\":42}"), "user");
  }

  @Test
  void unknownSizeIsA400ListingValidSizes() throws Exception {
    Answer a =
        assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"size\":\"Huge\"}"), "size");
    String msg = a.json().get("error").asString();
    assertTrue(msg.contains("Huge"), msg);
    assertTrue(msg.contains("Small") && msg.contains("Large"), "lists the valid sizes: " + msg);
  }

  @Test
  void defaultSizeMeansNone() throws Exception {
    Answer a = post("/v1/decisions", "{\"user\":\"bob\",\"size\":\"Default\"}");
    assertEquals(200, a.status(), a.body());
    assertEquals("1Gi", a.json().get("resources").get("limits").get("memory").asString());
  }

  @Test
  void unknownBodyFieldIsA400NamingIt() throws Exception {
    Answer a =
        assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"colour\":\"red\"}"), "colour");
    assertTrue(a.json().get("error").asString().contains("colour"), a.body());
  }

  @Test
  void groupsMustBeAListOfStrings() throws Exception {
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"groups\":\"devs\"}"), "groups");
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"groups\":[1,2]}"), "groups");
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"groups\":{\"a\":1}}"), "groups");
  }

  @Test
  void wrongTypesForStringFieldsAre400() throws Exception {
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"image\":[\"a\"]}"), "image");
    assertBadRequest(post("/v1/decisions", "{\"user\":\"bob\",\"size\":3}"), "size");
  }

  // ---------------------------------------------------------------- server lifecycle

  /**
   * start(host, 0) picks one free port that every server instance (one per core) shares: Vert.x
   * shares a random port only when asked for port -1, so 0 is translated.
   */
  @Test
  void startsOnAFreePortWhenAskedForPortZero() throws Exception {
    HttpApi other =
        TestEdges.http(
            new DecisionService(new DecisionEngine(rb), new PodMutator(), AuditLog.NONE));
    try {
      int port = other.start("127.0.0.1", 0);
      assertTrue(port > 0, "port " + port);
      assertEquals(port, other.port());
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
    } finally {
      other.stop();
    }
  }

  // ---------------------------------------------------------------- other endpoints

  @Test
  void unknownPathIsA404Json() throws Exception {
    Answer a = get("/v2/nothing-here");
    assertEquals(404, a.status(), a.body());
    assertTrue(a.contentType().startsWith("application/json"), a.contentType());
    assertNotNull(a.json(), a.body());
    assertTrue(a.json().get("error").asString().contains("/v2/nothing-here"), a.body());
    assertNoInternals(a.body());

    // A known path with the wrong method is a 405 naming the methods it takes (the issue
    // "Hostile input never breaks it" asks for it; it used to be a 404).
    HttpResponse<String> wrongMethod =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/decisions"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, wrongMethod.statusCode(), wrongMethod.body());
    assertEquals("GET, POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    assertNotNull(JSON.readTree(wrongMethod.body()), wrongMethod.body());
    assertNoInternals(wrongMethod.body());
  }

  @Test
  void healthAndReadiness() throws Exception {
    Answer h = get("/healthz");
    assertEquals(200, h.status());
    assertEquals("ok", h.json().get("status").asString());
    Answer r = get("/readyz");
    assertEquals(200, r.status());
    assertEquals("ready", r.json().get("status").asString());
  }

  @Test
  void configShowsRevision() throws Exception {
    Answer a = get("/v1/config");
    assertEquals(200, a.status(), a.body());
    assertEquals(rb.revision(), a.json().get("revision").asString());
    assertEquals(3, a.json().get("profiles").asInt());
    assertEquals(List.of("Small", "Large"), strings(a.json().get("sizes")));
  }

  // ---------------------------------------------------------------- audit

  @Test
  void auditLogHasOneMaskedLinePerDecision() throws Exception {
    List<String> ids = new ArrayList<>();
    for (String user : List.of("audit-a", "audit-b", "audit-c")) {
      Answer a =
          post("/v1/decisions?explain=none", "{\"user\":\"" + user + "\",\"size\":\"Small\"}");
      assertEquals(200, a.status(), a.body());
      ids.add(a.json().get("decisionId").asString());
    }
    // A rejected request is not a decision and leaves no line.
    assertBadRequest(
        post("/v1/decisions", "{\"user\":\"audit-rejected\",\"size\":\"Huge\"}"), "size");

    Map<String, JsonNode> lines = waitForAuditLines(ids);
    for (int i = 0; i < ids.size(); i++) {
      JsonNode line = lines.get(ids.get(i));
      assertEquals(rb.revision(), line.get("revision").asString());
      assertEquals("audit-" + (char) ('a' + i), line.get("input").get("user").asString());
      assertEquals("Small", line.get("input").get("size").asString());
      assertTrue(line.get("result").get("allowed").asBoolean());
      assertEquals(List.of("globals"), strings(line.get("result").get("profiles")));
      JsonNode env = line.get("result").get("env");
      assertEquals("***", env.get("API_TOKEN").asString(), "secret-looking literal is masked");
      assertEquals("hello-plain-value", env.get("GREETING").asString(), "other literals are kept");
      assertEquals("s", env.get("FROM_SECRET").get("secretKeyRef").get("name").asString());
      assertTrue(line.get("firedRules").isArray() && !line.get("firedRules").isEmpty());
      assertEquals("Apply matching profile", line.get("firedRules").get(0).get("rule").asString());
      assertFalse(line.has("explanation"), "the audit line carries no explanation");
    }
    String text = Files.readString(auditFile);
    assertFalse(text.contains("hunter2-do-not-log"), "secret literal leaked into the audit log");
    assertFalse(text.contains("audit-rejected"), "a rejected request is not audited");
  }

  /** Polls the audit file (written asynchronously) until every id has a line; each exactly one. */
  static Map<String, JsonNode> waitForAuditLines(List<String> ids) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Map<String, JsonNode> found = new HashMap<>();
      Map<String, Integer> counts = new HashMap<>();
      if (Files.exists(auditFile)) {
        for (String raw : Files.readAllLines(auditFile)) {
          if (raw.isBlank()) {
            continue;
          }
          JsonNode line;
          try {
            line = JSON.readTree(raw);
          } catch (RuntimeException e) {
            continue; // possibly a partially flushed last line; retried below
          }
          String id = line.path("decisionId").asString();
          if (ids.contains(id)) {
            found.put(id, line);
            counts.merge(id, 1, Integer::sum);
          }
        }
      }
      if (found.keySet().containsAll(ids)) {
        counts.forEach((id, n) -> assertEquals(1, n, "decision " + id + " logged " + n + " times"));
        // every non-blank line must be one complete JSON object
        for (String raw : Files.readAllLines(auditFile)) {
          if (!raw.isBlank()) {
            assertTrue(JSON.readTree(raw).isObject(), raw);
          }
        }
        return found;
      }
      if (System.nanoTime() > deadline) {
        fail("audit log " + auditFile + " lacks decisions " + ids + "; has: " + found.keySet());
      }
      Thread.sleep(50);
    }
  }

  @Test
  void auditLineForDeniedDecisionAndCloseDrains() throws Exception {
    // A separate service whose rules deny: the line says allowed false with the reason, and closing
    // the log writes everything queued before returning.
    Path file = tmp.resolve("denied.jsonl");
    RuleBase denying =
        Engines.ruleBase(
            CONFIG,
            """
            package test.deny;
            import io.hubpolicy.engine.facts.Outcome;
            rule "Nobody today"
            when
                $o : Outcome()
            then
                $o.deny("maintenance window");
            end
            """);
    AuditLog log = AuditLog.toFile(file);
    DecisionService svc = new DecisionService(new DecisionEngine(denying), new PodMutator(), log);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(
          svc.decide(DecideCall.parse("{\"user\":\"u" + i + "\"}"), DecisionJson.Explain.NONE)
              .tree()
              .get("decisionId")
              .asString());
    }
    log.close();
    List<String> lines = Files.readAllLines(file);
    assertEquals(50, lines.size(), "one line per decision, all written by close()");
    for (int i = 0; i < 50; i++) {
      JsonNode line = JSON.readTree(lines.get(i));
      assertEquals(ids.get(i), line.get("decisionId").asString());
      assertFalse(line.get("result").get("allowed").asBoolean());
      assertEquals(List.of("maintenance window"), strings(line.get("result").get("reasons")));
    }
    assertFalse(Files.readString(file).contains("hunter2-do-not-log"));
  }

  @Test
  void anAuditedDecisionIsReadBackByItsId() throws Exception {
    Answer decided = post("/v1/decisions?explain=none", "{\"user\":\"reader\"}");
    String id = decided.json().get("decisionId").asString();

    Answer a = get("/v1/decisions/" + id);

    assertEquals(200, a.status(), a.body());
    assertTrue(a.contentType().startsWith("application/json"), a.contentType());
    assertEquals(id, a.json().get("decisionId").asString());
    assertEquals("reader", a.json().at("/input/user").asString());
    assertEquals("***", a.json().at("/result/env/API_TOKEN").asString(), "as masked in the log");
    Answer unknown = get("/v1/decisions/d-not-decided-here");
    assertEquals(404, unknown.status(), unknown.body());
    assertTrue(unknown.json().get("error").asString().contains("d-not-decided-here"));
    assertNoInternals(unknown.body());
  }

  @Test
  void withoutAnAuditLogDecisionsCannotBeReadBack() throws Exception {
    List<HttpApi> started = new ArrayList<>();
    try {
      String url = serverWith(rb, started);
      Answer a = send(HttpRequest.newBuilder(URI.create(url + "/v1/decisions/d-1")).GET().build());
      assertEquals(503, a.status(), a.body());
      assertTrue(a.json().get("error").asString().contains("audit log is off"), a.body());
    } finally {
      started.forEach(HttpApi::stop);
    }
  }

  /** A second server on its own rule base; returns its base URL. */
  static String serverWith(RuleBase other, List<HttpApi> started) throws Exception {
    HttpApi api2 =
        TestEdges.http(
            new DecisionService(new DecisionEngine(other), new PodMutator(), AuditLog.NONE));
    started.add(api2);
    return "http://127.0.0.1:" + api2.start("127.0.0.1", freePort());
  }

  /**
   * Outcome.invalid(field, message) is how a rule fails a request-level check (its javadoc: "e.g. a
   * GPU count above what is allowed"): bad input, so a 400 naming the field, not a 500.
   */
  @Test
  void ruleRejectingTheRequestIsA400() throws Exception {
    RuleBase strict =
        Engines.ruleBase(
            "profiles:\n- name: greedy\n  users: [greedy]\n  gpu: 4\n",
            """
            package test.invalid;
            import io.hubpolicy.engine.facts.Outcome;
            rule "At most one GPU"
            when
                $o : Outcome( gpu > 1 )
            then
                throw Outcome.invalid("gpu", "at most 1 GPU may be requested");
            end
            """);
    List<HttpApi> started = new ArrayList<>();
    try {
      String url = serverWith(strict, started);
      Answer ok =
          send(
              HttpRequest.newBuilder(URI.create(url + "/v1/decisions"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"bob\"}"))
                  .build());
      assertEquals(200, ok.status(), ok.body());
      Answer a =
          send(
              HttpRequest.newBuilder(URI.create(url + "/v1/decisions"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"greedy\"}"))
                  .build());
      assertBadRequest(a, "gpu");
      assertEquals("at most 1 GPU may be requested", a.json().get("error").asString());
    } finally {
      started.forEach(HttpApi::stop);
    }
  }

  @Test
  void failingRuleIsA500WithoutInternals() throws Exception {
    RuleBase broken = Engines.ruleBase(CONFIG, Engines.FAILING_RULE);
    List<HttpApi> started = new ArrayList<>();
    try {
      String url = serverWith(broken, started);
      Answer a =
          send(
              HttpRequest.newBuilder(URI.create(url + "/v1/decisions"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"bob\"}"))
                  .build());
      assertEquals(500, a.status(), a.body());
      assertNotNull(a.json(), a.body());
      assertTrue(a.json().get("error").asString().contains("boom in rule"), a.body());
      assertNoInternals(a.body());
    } finally {
      started.forEach(HttpApi::stop);
    }
  }

  @Test
  void concurrentDecisionsEachGetOneAuditLine() throws Exception {
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      futures.add(
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(base + "/v1/decisions?explain=none"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"par-" + i + "\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      HttpResponse<String> r = futures.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.body());
      JsonNode d = JSON.readTree(r.body());
      assertEquals("par-" + i, d.get("user").asString(), "answers are not mixed up");
      ids.add(d.get("decisionId").asString());
    }
    assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "decision ids are unique");
    Map<String, JsonNode> lines = waitForAuditLines(ids);
    for (int i = 0; i < ids.size(); i++) {
      assertEquals("par-" + i, lines.get(ids.get(i)).get("input").get("user").asString());
    }
  }

  @Test
  void deniedDecisionOverHttpLeavesPodAlone() throws Exception {
    RuleBase denying =
        Engines.ruleBase(
            CONFIG,
            """
            package test.deny2;
            import io.hubpolicy.engine.facts.Outcome;
            rule "Deny bob"
            when
                $o : Outcome()
            then
                $o.deny("bob is on leave");
            end
            """);
    HttpApi other =
        TestEdges.http(
            new DecisionService(new DecisionEngine(denying), new PodMutator(), AuditLog.NONE));
    int port = other.start("127.0.0.1", freePort());
    try {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/decisions"))
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"user\":\"bob\",\"pod\":" + POD_JSON + "}"))
              .build();
      Answer a = send(req);
      assertEquals(200, a.status(), a.body());
      assertFalse(a.json().get("allowed").asBoolean());
      assertEquals(List.of("bob is on leave"), strings(a.json().get("reasons")));
      assertEquals(JSON.readTree(POD_JSON), a.json().get("pod"), "denied: pod unchanged");
      assertEquals(0, a.json().get("patch").size());
      assertNull(a.json().get("pod").get("metadata").get("labels"));
    } finally {
      other.stop();
    }
  }
}
