package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.catalog.ConfiguredCatalogs;
import io.hubpolicy.catalog.ImageSource;
import io.hubpolicy.catalog.NodeSource;
import io.hubpolicy.catalog.SizeCatalog;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.mutation.PodMutator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every /v1 endpoint wants the bearer token; probes and metrics do not. Over HTTPS, too. */
class HttpAuthTest {
  static final String TOKEN = "s3cr3t-token-for-tests";
  static final String CONFIG =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: main}]
      """;

  static HttpApi api;
  static HttpApi secure;
  static String base;
  static String secureBase;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    DecisionEngine engine = new DecisionEngine(Engines.ruleBase(CONFIG));
    DecisionService decisions = new DecisionService(engine, new PodMutator(), AuditLog.NONE);
    ConfiguredCatalogs catalogs =
        new ConfiguredCatalogs(ImageSource.PROFILES, new SizeCatalog(NodeSource.NONE, 0.1));
    PolicyCalls calls = TestEdges.calls(decisions);
    api = TestEdges.http(calls, new BearerAuth(Tokens.of(TOKEN, "second-token")), Set.of(), null);
    base = "http://127.0.0.1:" + api.start("127.0.0.1", 0);
    secure =
        TestEdges.http(
            calls,
            new BearerAuth(Tokens.of(TOKEN)),
            Set.of(),
            new TlsFiles(TestTls.CERT, TestTls.KEY));
    secureBase = "https://127.0.0.1:" + secure.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    api.stop();
    secure.stop();
  }

  /** Every /v1 route, each with a request that would succeed given the token. */
  static Stream<HttpRequest.Builder> protectedCalls() {
    String decide = "{\"user\":\"alice\"}";
    return Stream.of(
        post("/v1/decisions", decide),
        post("/v1/launches", decide),
        HttpRequest.newBuilder(URI.create(base + "/v1/launches/alice?event=server-stopped"))
            .DELETE(),
        get("/v1/config"),
        get("/v1/images"),
        get("/v1/sizes"),
        get("/v1/options?user=alice"),
        get("/v1/users/alice/preferences"),
        HttpRequest.newBuilder(URI.create(base + "/v1/users/alice/preferences"))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"env\":[]}")));
  }

  static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).GET();
  }

  static HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @MethodSource("protectedCalls")
  void everyV1EndpointRefusesACallWithoutTheTokenAndServesOneWithIt(HttpRequest.Builder call)
      throws Exception {
    HttpRequest.Builder anonymous = call.copy();
    HttpResponse<String> refused = send(anonymous);
    assertEquals(401, refused.statusCode(), refused.body());
    assertEquals(
        "Bearer realm=\"hubpolicy\"",
        refused.headers().firstValue("WWW-Authenticate").orElse(null));
    assertTrue(refused.body().contains("no Authorization header"), refused.body());

    HttpResponse<String> served = send(call.copy().header("Authorization", "Bearer " + TOKEN));
    assertEquals(200, served.statusCode(), served.body());
  }

  @Test
  void probesAndMetricsNeedNoToken() throws Exception {
    for (String path : new String[] {"/healthz", "/readyz", "/metrics"}) {
      assertEquals(200, send(get(path)).statusCode(), path);
    }
  }

  @Test
  void anUnknownV1PathIsRefusedBeforeItIsLookedUp() throws Exception {
    // Otherwise 404 versus 405 would let a caller without a token map the API.
    assertEquals(401, send(get("/v1/nothing-here")).statusCode());
    assertEquals(
        404, send(get("/v1/nothing-here").header("Authorization", "Bearer " + TOKEN)).statusCode());
  }

  @Test
  void eachRefusalSaysWhyAndTheLogNeverShowsTheToken() throws Exception {
    String wrong = "a-token-that-must-not-be-logged";
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    HttpResponse<String> basic;
    HttpResponse<String> wrongToken;
    HttpResponse<String> empty;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      basic = send(get("/v1/config").header("Authorization", "Basic " + wrong));
      wrongToken = send(get("/v1/config").header("Authorization", "Bearer " + wrong));
      empty = send(get("/v1/config").header("Authorization", "Bearer "));
    } finally {
      System.setErr(saved);
    }
    assertEquals(401, basic.statusCode());
    assertTrue(basic.body().contains("not of the form 'Bearer <token>'"), basic.body());
    assertEquals(401, wrongToken.statusCode());
    assertTrue(wrongToken.body().contains("not one hubpolicy accepts"), wrongToken.body());
    assertEquals(401, empty.statusCode());
    assertFalse(wrongToken.body().contains(wrong));

    String log = err.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("refused GET /v1/config from 127.0.0.1"), log);
    assertTrue(log.contains("the bearer token is not one hubpolicy accepts"), log);
    assertFalse(log.contains(wrong), "the presented token is never logged:\n" + log);
  }

  @Test
  void anyConfiguredTokenIsAcceptedAndTheSchemeIsCaseInsensitive() throws Exception {
    assertEquals(
        200, send(get("/v1/config").header("Authorization", "Bearer second-token")).statusCode());
    assertEquals(
        200, send(get("/v1/config").header("Authorization", "bearer " + TOKEN)).statusCode());
  }

  @Test
  void overHttpsWithTheConfiguredCertificate() throws Exception {
    HttpClient trusting =
        HttpClient.newBuilder()
            .sslContext(TestTls.context())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpResponse<String> ok =
        trusting.send(
            HttpRequest.newBuilder(URI.create(secureBase + "/v1/config"))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(
        401,
        trusting
            .send(
                HttpRequest.newBuilder(URI.create(secureBase + "/v1/config")).build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());

    // A client that does not trust the certificate gets no answer at all.
    assertThrows(
        javax.net.ssl.SSLHandshakeException.class,
        () ->
            http.send(
                HttpRequest.newBuilder(URI.create(secureBase + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()));
    // Nor does one speaking plain HTTP to the TLS port.
    String plain = secureBase.replace("https://", "http://");
    assertThrows(
        java.io.IOException.class,
        () ->
            http.send(
                HttpRequest.newBuilder(URI.create(plain + "/healthz"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void tlsNeedsBothFilesAndNamesAMissingOne() {
    IllegalArgumentException one =
        assertThrows(IllegalArgumentException.class, () -> TlsFiles.of(TestTls.CERT, null));
    assertTrue(one.getMessage().contains("--tls-key"), one.getMessage());
    Path missing = Path.of("/no/such/tls.key");
    IllegalArgumentException gone =
        assertThrows(IllegalArgumentException.class, () -> TlsFiles.of(TestTls.CERT, missing));
    assertTrue(gone.getMessage().contains(missing.toString()), gone.getMessage());
    assertEquals(null, TlsFiles.of(null, null));
  }
}
