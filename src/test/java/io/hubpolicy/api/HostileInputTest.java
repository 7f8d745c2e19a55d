package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.mutation.PodMutator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP API against a generated corpus of hostile requests ({@link HostileCorpus}): every answer
 * is below 500, every error is JSON {@code {error, field?}} in words without Java names, and
 * afterwards the service is still ready, still decides and still writes its audit log.
 */
class HostileInputTest {
  static final String TOKEN = "hostile-input-test-token";
  static final long SEED = 20240611L;

  @TempDir static Path tmp;
  static Path auditFile;
  static AuditLog audit;
  static HttpApi api;
  static RawHttp raw;

  @BeforeAll
  static void start() throws Exception {
    auditFile = tmp.resolve("audit.jsonl");
    audit = AuditLog.toFile(auditFile);
    DecisionService decisions =
        new DecisionService(
            new DecisionEngine(Engines.ruleBase(HttpApiTest.CONFIG)), new PodMutator(), audit);
    api =
        TestEdges.http(
            TestEdges.calls(decisions), new BearerAuth(Tokens.of(TOKEN)), Set.of(), null);
    raw = new RawHttp(api.start("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    if (raw != null) {
      raw.close();
    }
    if (api != null) {
      api.stop();
    }
    if (audit != null) {
      audit.close();
    }
  }

  /** No Java in an error answer: the {@code assertNoInternals} of every API test. */
  static void assertNoJavaNames(String body) {
    HttpApiTest.assertNoInternals(body);
  }

  @Test
  void everyRouteAnswersEveryHostileRequestInWordsAndKeepsWorking() throws Exception {
    List<HostileCorpus> corpus = HostileCorpus.generate(SEED, TOKEN);
    assertTrue(corpus.size() > 1000, "corpus of " + corpus.size());
    List<String> failures = new ArrayList<>();
    for (HostileCorpus c : corpus) {
      RawHttp.Answer a = raw.exchange(c.request());
      try {
        check(c, a);
      } catch (AssertionError e) {
        failures.add(c.name() + ": " + e.getMessage());
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + corpus.size() + " cases failed");
    stillServes();
  }

  static void check(HostileCorpus c, RawHttp.Answer a) {
    assertTrue(a.status() > 0, "no answer: " + a.body());
    assertTrue(a.status() < 500 || a.status() == c.expected(), a.status() + " " + a.body());
    if (c.expected() != 0) {
      assertEquals(c.expected(), a.status(), a.body());
    }
    if (c.expected() == HostileCorpus.VERTX_OWN) {
      return;
    }
    assertNotNull(a.header("X-Request-Id"), "no request id: " + a.headers());
    if (a.status() == 405) {
      assertNotNull(a.header("Allow"), "405 without Allow");
    }
    if (a.status() < 400 || c.head()) {
      checkSuccess(a);
      return;
    }
    assertTrue(
        a.header("content-type") != null && a.header("content-type").startsWith("application/json"),
        "not JSON: " + a.headers() + " " + a.body());
    JsonNode error = HostileCorpus.JSON.readTree(a.body());
    assertTrue(error.isObject(), a.body());
    assertTrue(error.path("error").isString(), a.body());
    assertFalse(error.path("error").asString().isBlank(), a.body());
    for (String key : error.propertyNames()) {
      assertTrue(Set.of("error", "field", "decisionId", "reasons").contains(key), "key " + key);
    }
    assertTrue(a.body().length() < 2048, "an error of " + a.body().length() + " characters");
    assertNoJavaNames(a.body());
  }

  /** A 2xx answer carries no bad name back, and an admission never lets a bad name through. */
  private static void checkSuccess(RawHttp.Answer a) {
    if (a.body().isEmpty() || !a.body().startsWith("{")) {
      return;
    }
    JsonNode json = HostileCorpus.JSON.readTree(a.body());
    JsonNode user = json.get("user");
    if (user != null && user.isString()) {
      assertNull(RequestFields.badCharacter(user.asString()), user.asString());
      assertTrue(user.asString().length() <= RequestFields.MAX_NAME);
    }
    JsonNode response = json.get("response");
    if (response != null && response.path("allowed").asBoolean(false) && response.has("patch")) {
      JsonNode patch =
          HostileCorpus.JSON.readTree(Base64.getDecoder().decode(response.get("patch").asString()));
      for (JsonNode op : patch) {
        JsonNode value = op.path("value");
        if (value.path("name").asString("").equals("JUPYTERHUB_USER_NAME")) {
          assertNull(RequestFields.badCharacter(value.path("value").asString()), op.toString());
        }
      }
    }
  }

  /** After the corpus: ready, deciding, and writing the audit log. */
  static void stillServes() throws Exception {
    RawHttp.Answer ready =
        raw.exchange(
            RawHttp.request(
                "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", new byte[0]));
    assertEquals(200, ready.status(), ready.body());
    String body = "{\"user\":\"after-the-corpus\",\"size\":\"Small\"}";
    RawHttp.Answer decided =
        raw.exchange(
            RawHttp.request(
                "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TOKEN
                    + "\r\nContent-Length: "
                    + body.length()
                    + "\r\nConnection: close\r\n\r\n",
                body.getBytes(StandardCharsets.UTF_8)));
    assertEquals(200, decided.status(), decided.body());
    String id = HostileCorpus.JSON.readTree(decided.body()).get("decisionId").asString();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!Files.readString(auditFile).contains(id) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(
        Files.readString(auditFile).contains(id), "decision " + id + " not in the audit log");
  }

  @Test
  void theCorpusIsTheSameForTheSameSeed() {
    List<HostileCorpus> a = HostileCorpus.generate(SEED, TOKEN);
    List<HostileCorpus> b = HostileCorpus.generate(SEED, TOKEN);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertTrue(java.util.Arrays.equals(a.get(i).request(), b.get(i).request()), a.get(i).name());
    }
  }

  @Test
  void aMultipartUploadWritesNothingToDisk() throws Exception {
    Path uploads = Path.of("file-uploads");
    boolean before = Files.exists(uploads);
    String body =
        "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\n"
            + "a".repeat(100_000)
            + "\r\n--x--\r\n";
    for (String path : List.of("/v1/decisions", "/v1/launches", "/v1/admission")) {
      RawHttp.Answer a =
          raw.exchange(
              RawHttp.request(
                  "POST "
                      + path
                      + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + TOKEN
                      + "\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: "
                      + body.length()
                      + "\r\nConnection: close\r\n\r\n",
                  body.getBytes(StandardCharsets.UTF_8)));
      assertEquals(415, a.status(), a.body());
      assertNoJavaNames(a.body());
    }
    // Vert.x's BodyHandler is what wrote uploads to ./file-uploads: the API may not use it again.
    // The console's pages (behind a login) may, for their forms and the diff's upload, with the
    // uploads in the console's own temporary directory and deleted when answered.
    java.util.regex.Pattern vertxBodyHandler =
        java.util.regex.Pattern.compile("(?<![.\\w])BodyHandler\\b");
    try (var files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        String text = Files.readString(f);
        if (!vertxBodyHandler.matcher(text).find()) {
          continue;
        }
        assertTrue(f.toString().contains("/console/"), f + " uses BodyHandler");
        assertFalse(text.contains("BodyHandler.create()"), f + ": uploads must be explicit");
        if (text.contains("BodyHandler.create(true)")) {
          assertTrue(text.contains(".setDeleteUploadedFilesOnEnd(true)"), f.toString());
          assertTrue(text.contains(".setUploadsDirectory("), f.toString());
        }
      }
    }
    if (!before) {
      assertFalse(
          Files.exists(uploads), "an uploads directory appeared: " + uploads.toAbsolutePath());
    }
  }

  @Test
  void theLogKeepsTheDetailUnderTheRequestId() throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RawHttp.Answer a;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      String body = "{\"user\":\"bob\",\"pod\":{\"spec\":{\"containers\":{}}}}";
      a =
          raw.exchange(
              RawHttp.request(
                  "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + TOKEN
                      + "\r\nContent-Length: "
                      + body.length()
                      + "\r\nConnection: close\r\n\r\n",
                  body.getBytes(StandardCharsets.UTF_8)));
    } finally {
      System.setErr(saved);
    }
    assertEquals(400, a.status(), a.body());
    assertEquals(
        "pod is not a valid Pod: pod.spec.containers must be a list, found an object",
        HostileCorpus.JSON.readTree(a.body()).get("error").asString());
    String id = a.header("X-Request-Id");
    assertNotNull(id);
    String log = err.toString(StandardCharsets.UTF_8);
    String line =
        log.lines()
            .filter(l -> l.contains("request " + id))
            .findFirst()
            .orElse("no line with " + id + ":\n" + log);
    assertTrue(line.contains("400"), line);
    assertTrue(line.contains("Cannot deserialize"), "the library's words stay in the log: " + line);
  }

  static JsonNode admit(ObjectNode review) throws Exception {
    byte[] body = review.toString().getBytes(StandardCharsets.UTF_8);
    RawHttp.Answer a =
        raw.exchange(
            RawHttp.request(
                "POST /v1/admission HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TOKEN
                    + "\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n",
                body));
    assertEquals(200, a.status(), a.body());
    return HostileCorpus.JSON.readTree(a.body()).get("response");
  }

  static void assertRefused(JsonNode response, String naming) {
    assertFalse(response.path("allowed").asBoolean(true), response.toString());
    assertFalse(response.has("patch"), response.toString());
    assertEquals(400, response.at("/status/code").asInt(), response.toString());
    String message = response.at("/status/message").asString();
    assertTrue(message.contains(naming), message);
    assertNoJavaNames(message);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a\u0000b", "line\nbreak", "a\u0085b", "a\u2028b", "x/y", " bob", "bob ", ""})
  void theWebhookRefusesASingleUserPodWhoseUserNameIsNotAName(String user) throws Exception {
    ObjectNode review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put("hub.jupyter.org/username", user);
    assertRefused(admit(review), "annotation hub.jupyter.org/username");
  }

  @Test
  void theWebhookRefusesAUserNameLongerThanJupyterHubs() throws Exception {
    ObjectNode review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put("hub.jupyter.org/username", "x".repeat(256));
    assertRefused(admit(review), "annotation hub.jupyter.org/username");
  }

  @Test
  void theWebhookRefusesBadGroupsSizeAndImage() throws Exception {
    ObjectNode review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put("hubpolicy.io/groups", "devs,a\u0001b");
    assertRefused(admit(review), "annotation hubpolicy.io/groups");
    review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put("hubpolicy.io/size", "Small\n");
    assertRefused(admit(review), "annotation hubpolicy.io/size");
    review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/spec/containers/0")).put("image", "x".repeat(600));
    assertRefused(admit(review), "image");
  }

  @Test
  void theWebhookRefusesAnnotationsAndLabelsThatAreNotStrings() throws Exception {
    for (String key : List.of("hub.jupyter.org/username", "hubpolicy.io/size", "anything")) {
      for (JsonNode value :
          List.of(
              HostileCorpus.F.numberNode(5),
              HostileCorpus.F.objectNode(),
              HostileCorpus.F.arrayNode().add("bob"),
              HostileCorpus.F.booleanNode(true))) {
        ObjectNode review = HostileCorpus.review();
        ((ObjectNode) review.at("/request/object/metadata/annotations")).set(key, value);
        assertRefused(admit(review), "annotation '" + key + "'");
      }
    }
    ObjectNode review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/labels"))
        .set("component", HostileCorpus.F.numberNode(1));
    assertRefused(admit(review), "label 'component'");
    review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata")).put("annotations", "x");
    assertRefused(admit(review), "metadata.annotations");
  }

  @Test
  void theWebhookRefusesMoreAnnotationsThanKubernetesStores() throws Exception {
    ObjectNode review = HostileCorpus.review();
    ((ObjectNode) review.at("/request/object/metadata/annotations"))
        .put("big", "x".repeat(RequestFields.MAX_ANNOTATIONS_BYTES));
    assertRefused(admit(review), "annotations take");
  }
}
