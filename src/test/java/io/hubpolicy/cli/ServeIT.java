package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.hubpolicy.api.grpc.v1.DecideRequest;
import io.hubpolicy.api.grpc.v1.Decision;
import io.hubpolicy.api.grpc.v1.GetDecisionRequest;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * End to end: the built jar as a real process, from the project directory (so it uses ./profiles
 * and ./rules), over loopback.
 */
class ServeIT {
  static final Path JAR = Path.of("target", "hubpolicy.jar");
  static final Pattern SERVING =
      Pattern.compile(
          "^hubpolicy serving on https?://([^\\s:]+):(\\d+) \\(revision ([0-9a-zA-Z]+)\\)$");
  static final Pattern GRPC =
      Pattern.compile("^hubpolicy gRPC on ([^\\s:]+):(\\d+) \\(plaintext\\)$");
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;
  Process process;
  Path stderr;
  final List<String> stdout = new ArrayList<>();

  /** Set in the environment of the next {@link #serve}. */
  final java.util.Map<String, String> env = new java.util.HashMap<>();

  @BeforeEach
  void requireJar() {
    Assumptions.assumeTrue(
        Files.isRegularFile(JAR),
        "needs the packaged jar "
            + JAR.toAbsolutePath()
            + ": run mvn package (mvn verify builds it before the *IT tests)");
  }

  @AfterEach
  void stopProcess() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  /** The serving line's address, and the gRPC port of the line before it. */
  record Serving(String host, int port, String revision, int grpcPort) {
    String url(String path) {
      return "http://" + host + ":" + port + path;
    }
  }

  /** Starts {@code serve} and waits for the documented "serving on" line. */
  Serving serve(String port, Path auditLog) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    stderr = tmp.resolve("serve.stderr");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-jar",
                JAR.toString(),
                "serve",
                "--port",
                port,
                "--grpc-port",
                "0",
                "--audit-log",
                auditLog.toString(),
                "--token-file",
                tmp.resolve("hubpolicy.token").toString())
            .directory(Path.of("").toAbsolutePath().toFile())
            .redirectError(stderr.toFile());
    pb.environment().remove("HUBPOLICY_PROFILES");
    pb.environment().remove("HUBPOLICY_RULES");
    pb.environment().remove("HUBPOLICY_HOST");
    pb.environment().remove("HUBPOLICY_RULES_CACHE");
    pb.environment().putAll(env);
    process = pb.start();
    CompletableFuture<Matcher> serving = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (stdout) {
                    stdout.add(line);
                  }
                  Matcher m = SERVING.matcher(line);
                  if (m.matches()) {
                    serving.complete(m);
                  }
                }
                serving.completeExceptionally(new IllegalStateException("stdout closed"));
              } catch (IOException e) {
                serving.completeExceptionally(e);
              }
            },
            "serve-stdout");
    reader.setDaemon(true);
    reader.start();
    Matcher m;
    try {
      m = serving.get(90, TimeUnit.SECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      fail(
          "no 'hubpolicy serving on' line (process "
              + (process.isAlive() ? "running" : "exited " + process.exitValue())
              + ")\nstdout: "
              + snapshot()
              + "\nstderr: "
              + Files.readString(stderr));
      throw new AssertionError("unreachable");
    }
    List<String> before = snapshot();
    int grpcPort = -1;
    for (String line : before.subList(0, before.indexOf(m.group(0)))) {
      Matcher g = GRPC.matcher(line);
      if (g.matches()) {
        grpcPort = Integer.parseInt(g.group(2));
      }
    }
    assertTrue(grpcPort > 0, "no 'hubpolicy gRPC on' line before the serving line: " + before);
    return new Serving(m.group(1), Integer.parseInt(m.group(2)), m.group(3), grpcPort);
  }

  private List<String> snapshot() {
    synchronized (stdout) {
      return List.copyOf(stdout);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  void decideOverLoopback(Serving s, Path auditLog) throws Exception {
    assertEquals("127.0.0.1", s.host(), "loopback by default");
    assertTrue(s.port() > 0);

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url("/healthz"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());

    // Started without a token: it made one, readable by its owner only, and wants it.
    Path tokenFile = tmp.resolve("hubpolicy.token");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(tokenFile)));
    String token = Files.readString(tokenFile).strip();
    assertTrue(token.length() >= 40, token.length() + " characters");
    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url("/v1/config"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode(), anonymous.body());

    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url("/v1/decisions")))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"user\":\"vpavlin\",\"image\":\"s2i-thoth-notebook:3.6\",\"size\":\"Large\","
                            + "\"pod\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":"
                            + "[{\"name\":\"notebook\",\"image\":\"s2i-thoth-notebook:3.6\"}]}}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode d = JSON.readTree(r.body());
    assertEquals(s.revision(), d.get("revision").asString(), "the revision of the serving line");
    assertEquals("vpavlin", d.get("user").asString());
    assertTrue(d.get("allowed").asBoolean());
    List<String> profiles = new ArrayList<>();
    d.get("profiles").forEach(p -> profiles.add(p.asString()));
    assertEquals(List.of("globals", "Thoth Notebooks"), profiles);
    assertEquals("8Gi", d.get("resources").get("limits").get("memory").asString());
    JsonNode nb = d.get("pod").get("spec").get("containers").get(0);
    assertEquals("8Gi", nb.get("resources").get("limits").get("memory").asString());
    assertTrue(d.get("patch").isArray() && !d.get("patch").isEmpty());
    String decisionId = d.get("decisionId").asString();

    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url("/v1/decisions")))
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofString("{\"user\":\"vpavlin\",\"size\":\"Huge\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, bad.statusCode(), bad.body());
    assertEquals("size", JSON.readTree(bad.body()).get("field").asString());

    HttpResponse<String> config =
        http.send(
            HttpRequest.newBuilder(URI.create(s.url("/v1/config")))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, config.statusCode());
    assertEquals(s.revision(), JSON.readTree(config.body()).get("revision").asString());

    // A graceful stop (SIGTERM) drains the audit log.
    process.destroy();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
    List<String> lines = Files.readAllLines(auditLog);
    assertEquals(1, lines.size(), "one line for the one decision (the 400 is not one): " + lines);
    JsonNode line = JSON.readTree(lines.get(0));
    assertEquals(decisionId, line.get("decisionId").asString());
    assertEquals(s.revision(), line.get("revision").asString());
    assertEquals("vpavlin", line.get("input").get("user").asString());
    assertEquals("Large", line.get("input").get("size").asString());
    assertTrue(line.get("result").get("allowed").asBoolean());
    assertTrue(line.get("firedRules").isArray() && line.get("firedRules").size() >= 2);
    String err = Files.readString(stderr);
    assertFalse(err.contains("Exception"), "serve logged an exception:\n" + err);
  }

  /** gRPC from the shaded jar: its service files survived shading, and it shares the token. */
  @Test
  void serveGrpcFromTheJar() throws Exception {
    Path audit = tmp.resolve("grpc-audit.jsonl");
    Serving s = serve("0", audit);
    String token = Files.readString(tmp.resolve("hubpolicy.token")).strip();
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", s.grpcPort(), InsecureChannelCredentials.create())
            .build();
    try {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      PolicyGrpc.PolicyBlockingStub policy =
          PolicyGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      Decision d =
          policy
              .decide(
                  DecideRequest.newBuilder()
                      .setUser("vpavlin")
                      .setImage("s2i-thoth-notebook:3.6")
                      .setSize("Large")
                      .build())
              .getDecision();
      assertEquals(s.revision(), d.getRevision());
      assertEquals(List.of("globals", "Thoth Notebooks"), d.getProfilesList());
      String line =
          policy
              .getDecision(GetDecisionRequest.newBuilder().setDecisionId(d.getDecisionId()).build())
              .getAuditLine();
      assertEquals(d.getDecisionId(), JSON.readTree(line).get("decisionId").asString());
      StatusRuntimeException anonymous =
          org.junit.jupiter.api.Assertions.assertThrows(
              StatusRuntimeException.class,
              () ->
                  PolicyGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .decide(DecideRequest.newBuilder().setUser("vpavlin").build()));
      assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    process.destroy();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
    String err = Files.readString(stderr);
    assertFalse(err.contains("Exception"), "serve logged an exception:\n" + err);
    assertTrue(err.contains("refused hubpolicy.v1.Policy/Decide"), err);
    assertFalse(err.contains(token), "the token was logged:\n" + err);
  }

  @Test
  void serveOnAnyFreePort() throws Exception {
    Path audit = tmp.resolve("logs").resolve("audit.jsonl");
    Serving s = serve("0", audit);
    decideOverLoopback(s, audit);
  }

  /**
   * The image's way: HUBPOLICY_RULES_CACHE set; the first start compiles and keeps the rules, the
   * second reads them, and both answer the same checked decision.
   */
  @Test
  void theRulesCacheIsKeptByOneStartAndReadByTheNext() throws Exception {
    Path cache = tmp.resolve("rules-cache");
    env.put("HUBPOLICY_RULES_CACHE", cache.toString());
    Path first = tmp.resolve("first.jsonl");
    decideOverLoopback(serve("0", first), first);
    String compiled = Files.readString(stderr);
    assertTrue(
        compiled.matches(
            "(?s).*INFO \\S+ - rules compiled in \\d+ ms .*; kept in \\Q"
                + cache
                + "\\E/rules-\\w+\\.bin\\R.*"),
        compiled);
    Path second = tmp.resolve("second.jsonl");
    decideOverLoopback(serve("0", second), second);
    String read = Files.readString(stderr);
    assertTrue(
        read.matches(
            "(?s).*INFO \\S+ - rules read from cache \\Q"
                + cache
                + "\\E/rules-\\w+\\.bin in \\d+ ms .*"),
        read);
    assertFalse(read.contains("rules compiled"), read);
  }

  @Test
  void serveOnAGivenPort() throws Exception {
    Path audit = tmp.resolve("audit.jsonl");
    int port = freePort();
    Serving s = serve(String.valueOf(port), audit);
    assertEquals(port, s.port());
    decideOverLoopback(s, audit);
  }
}
