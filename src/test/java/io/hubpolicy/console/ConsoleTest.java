package io.hubpolicy.console;

import static io.hubpolicy.console.ConsoleClient.fields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.cli.InProcessServe;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's handlers over real HTTP on {@code serve} (in this JVM): logging in with a token
 * (and not with a wrong one), the session cookie's attributes, form tokens and origins on POSTs,
 * escaping of hostile names, and each page answering from the service's own calls: what-if without
 * recording, history and a decision's page, configuration, and the diff over recorded decisions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleTest {
  static final String TOKEN = "console-test-token";
  static final String HOSTILE = "<img src=x onerror=alert(1)>\"'&";

  static final String PROFILES =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: console}]
      - name: data science
        groups: [ds]
        resources: {limits: {memory: 2Gi}}
      - name: special images
        users: [alice]
        images: ['quay.io/x/special:*']
      sizes:
      - name: Small
        resources: {limits: {cpu: '1'}}
      """;

  static final String CANDIDATE = PROFILES.replace("memory: 2Gi", "memory: 3Gi");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  Path dir;
  InProcessServe serve;
  ConsoleClient c;
  Path audit;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("console-test");
    Files.writeString(dir.resolve("profiles.yaml"), PROFILES);
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    audit = dir.resolve("audit.jsonl");
    serve =
        InProcessServe.start(
            "--port",
            "0",
            "--grpc-port",
            "-1",
            "--no-watch",
            "--token-file",
            dir.resolve("token").toString(),
            "--audit-log",
            audit.toString(),
            "--profiles",
            dir.resolve("profiles.yaml").toString());
  }

  @AfterAll
  void stop() {
    if (serve != null) {
      serve.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory left behind is no failure of the console
    }
  }

  @BeforeEach
  void client() {
    c = new ConsoleClient(serve.port());
  }

  @Test
  void aPageWithoutLoginSendsToTheLoginPage() throws Exception {
    HttpResponse<String> r = c.get("/ui/history");
    assertEquals(303, r.statusCode());
    assertEquals("/ui/login", r.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> login = c.get("/ui/login");
    assertEquals(200, login.statusCode());
    assertTrue(login.body().contains("id=\"token\""), login.body());
    assertTrue(
        login
            .headers()
            .firstValue("Content-Security-Policy")
            .orElseThrow()
            .contains("default-src 'none'"));
  }

  @Test
  void aWrongTokenIsRefusedAndGetsNoCookie() throws Exception {
    HttpResponse<String> r = c.login("not-the-token");
    assertEquals(401, r.statusCode());
    assertTrue(r.body().contains("not one hubpolicy accepts"), r.body());
    assertTrue(r.headers().allValues("set-cookie").isEmpty());
    assertNull(c.cookie);
    assertEquals(303, c.get("/ui/").statusCode());
  }

  @Test
  void theRightTokenGivesAStrictHttpOnlySessionCookie() throws Exception {
    HttpResponse<String> r = c.login(TOKEN);
    assertEquals(303, r.statusCode());
    String set = r.headers().firstValue("set-cookie").orElseThrow();
    assertTrue(set.toLowerCase(java.util.Locale.ROOT).contains("httponly"), set);
    assertTrue(set.contains("SameSite=Strict"), set);
    assertTrue(set.contains("Path=/ui"), set);
    assertFalse(set.contains(TOKEN), "the cookie never holds the token: " + set);
    assertEquals(200, c.get("/ui/").statusCode());
  }

  @Test
  void aTamperedCookieIsNoSession() throws Exception {
    c.login(TOKEN);
    String good = c.cookie;
    // A character in the middle: the last one of a base64 text may carry only padding bits, and
    // changing those left the cookie valid now and then.
    int at = good.length() / 2;
    char mid = good.charAt(at);
    c.cookie = good.substring(0, at) + (mid == 'A' ? 'B' : 'A') + good.substring(at + 1);
    assertEquals(303, c.get("/ui/").statusCode());
    c.cookie = good;
    assertEquals(200, c.get("/ui/").statusCode());
  }

  @Test
  void aPostWithoutTheFormTokenOrFromAnotherOriginIsRefused() throws Exception {
    c.login(TOKEN);
    String csrf = ConsoleClient.csrf(c.get("/ui/").body());
    HttpResponse<String> none = c.post("/ui/", fields("user", "bob"));
    assertEquals(403, none.statusCode(), none.body());
    HttpResponse<String> wrong = c.post("/ui/", fields("user", "bob", "csrf", csrf + "x"));
    assertEquals(403, wrong.statusCode());
    HttpResponse<String> elsewhere =
        c.post("/ui/", fields("user", "bob", "csrf", csrf), "https://evil.example");
    assertEquals(403, elsewhere.statusCode());
    HttpResponse<String> ok = c.post("/ui/", fields("user", "bob", "csrf", csrf));
    assertEquals(200, ok.statusCode(), ok.body());
  }

  @Test
  void whatIfExplainsWithoutRecording() throws Exception {
    c.login(TOKEN);
    String csrf = ConsoleClient.csrf(c.get("/ui/").body());
    long before = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;
    HttpResponse<String> r =
        c.post(
            "/ui/",
            fields(
                "user",
                "alice",
                "groups",
                "ds",
                "image",
                "quay.io/x/plain:1",
                "size",
                "Small",
                "csrf",
                csrf));
    assertEquals(200, r.statusCode(), r.body());
    String b = r.body();
    assertTrue(b.contains("id=\"verdict\">Allowed"), b);
    // Who set the memory limit and what it overrode, and the profile that did not apply.
    assertTrue(b.contains("resources.limits.memory"), b);
    assertTrue(b.contains("2Gi"), b);
    assertTrue(b.contains("special images"), "a profile that came close is listed: " + b);
    assertTrue(b.contains("id=\"fired\""), b);
    Thread.sleep(500); // the audit writer is asynchronous: give a wrong write time to land
    long after = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;
    assertEquals(before, after, "what-if records nothing");
  }

  @Test
  void whatIfAppliesAPodAndSaysWhatIsWrongWithABadOne() throws Exception {
    c.login(TOKEN);
    String csrf = ConsoleClient.csrf(c.get("/ui/").body());
    String pod =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
            + "\"spec\":{\"containers\":[{\"name\":\"notebook\",\"image\":\"x\"}]}}";
    HttpResponse<String> r = c.post("/ui/", fields("user", "bob", "pod", pod, "csrf", csrf));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("The pod's patch"), r.body());
    HttpResponse<String> bad = c.post("/ui/", fields("user", "bob", "pod", "{nope", "csrf", csrf));
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("pod is not JSON"), bad.body());
  }

  @Test
  void hostileNamesAreEscapedEverywhere() throws Exception {
    String id = decide(HOSTILE, "ds");
    c.login(TOKEN);
    String whatIf = c.get("/ui/?" + ConsoleClient.query(Map.of("user", HOSTILE))).body();
    String list = c.get("/ui/history?" + ConsoleClient.query(Map.of("user", HOSTILE))).body();
    String one = c.get("/ui/history/" + id).body();
    for (String page : new String[] {whatIf, list, one}) {
      assertFalse(page.contains("<img src=x"), page);
      assertTrue(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), page);
    }
  }

  @Test
  void historyFindsADecisionAndItsPageExplainsIt() throws Exception {
    String id = decide("dora", "ds");
    c.login(TOKEN);
    HttpResponse<String> list = c.get("/ui/history?user=dora");
    assertEquals(200, list.statusCode(), list.body());
    assertTrue(list.body().contains("/ui/history/" + id), list.body());
    assertFalse(c.get("/ui/history?user=nobody-here").body().contains("class=\"decision\""));
    HttpResponse<String> one = c.get("/ui/history/" + id);
    assertEquals(200, one.statusCode(), one.body());
    String b = one.body();
    assertTrue(b.contains(id), b);
    assertTrue(b.contains("serving now"), b);
    assertTrue(b.contains("resources.limits.memory"), "the explanation, recomputed: " + b);
    assertTrue(b.contains("explanation-note"), b);
    HttpResponse<String> bad = c.get("/ui/history?allowed=maybe");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("allowed must be true or false"), bad.body());
    assertEquals(404, c.get("/ui/history/no-such-decision").statusCode());
  }

  @Test
  void configurationShowsTheServingRevisionAndItsSources() throws Exception {
    c.login(TOKEN);
    String revision =
        JSON.readTree(api("GET", "/v1/config", null).body()).path("revision").asString();
    String b = c.get("/ui/config").body();
    assertTrue(b.contains("<code id=\"revision\">" + revision + "</code>"), b);
    assertTrue(b.contains("profiles.yaml"), b);
    assertTrue(b.contains("id=\"no-rejected\""), b);
  }

  @Test
  void diffListsTheUsersWhoseDecisionsChange() throws Exception {
    decide("erin", "ds");
    decide("frank");
    c.login(TOKEN);
    String csrf = ConsoleClient.csrf(c.get("/ui/diff").body());
    HttpResponse<String> r =
        c.multipart("/ui/diff", fields("csrf", csrf, "records", "100", "candidate", ""), CANDIDATE);
    assertEquals(200, r.statusCode(), r.body());
    String b = r.body();
    assertTrue(b.contains("id=\"changes\""), b);
    assertTrue(b.contains(">erin</a>"), b);
    assertFalse(b.contains(">frank</a>"), "frank's decision does not change: " + b);
    assertTrue(b.contains("resources.limits.memory"), b);
    assertTrue(b.contains("&quot;3Gi&quot;"), b);
    HttpResponse<String> broken =
        c.multipart(
            "/ui/diff",
            fields(
                "csrf", csrf, "records", "100", "candidate", "profiles:\n- name: x\n  nope: 1\n"),
            null);
    assertEquals(200, broken.statusCode());
    assertTrue(broken.body().contains("candidate-problems"), broken.body());
    assertTrue(broken.body().contains("candidate:3"), broken.body());
    HttpResponse<String> tooMany =
        c.multipart(
            "/ui/diff", fields("csrf", csrf, "records", "100000", "candidate", PROFILES), null);
    assertEquals(400, tooMany.statusCode());
  }

  @Test
  void logoutEndsTheSession() throws Exception {
    c.login(TOKEN);
    String csrf = ConsoleClient.csrf(c.get("/ui/").body());
    HttpResponse<String> r = c.post("/ui/logout", fields("csrf", csrf));
    assertEquals(303, r.statusCode());
    assertNull(c.cookie);
    assertEquals(303, c.get("/ui/").statusCode());
  }

  /** Decides through the API (recorded); returns the decision id. */
  private String decide(String user, String... groups) throws Exception {
    StringBuilder g = new StringBuilder();
    for (String x : groups) {
      g.append(g.length() == 0 ? "" : ",").append(JSON.writeValueAsString(x));
    }
    HttpResponse<String> r =
        api(
            "POST",
            "/v1/decisions",
            "{\"user\":" + JSON.writeValueAsString(user) + ",\"groups\":[" + g + "]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode d = JSON.readTree(r.body());
    String id = d.path("decisionId").asString();
    assertNotNull(id);
    return id;
  }

  private HttpResponse<String> api(String method, String path, String body) throws Exception {
    return c.http.send(
        HttpRequest.newBuilder(URI.create(c.base + path))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
