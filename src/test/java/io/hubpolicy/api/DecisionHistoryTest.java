package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.hubpolicy.api.grpc.GrpcApi;
import io.hubpolicy.api.grpc.v1.ListDecisionsRequest;
import io.hubpolicy.api.grpc.v1.ListDecisionsResponse;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.mutation.PodMutator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/decisions} and gRPC {@code ListDecisions} over the audit file: every filter and
 * paging are checked against the file's lines filtered here by hand, so a filter that selects too
 * much or too little, or a page that skips or repeats a record, fails.
 */
class DecisionHistoryTest {
  static final String DENY =
      """
      package hubpolicy.historytest
      import io.hubpolicy.engine.facts.*
      rule "Mallory may not spawn" when
        Spawn( user == "mallory" )
        $o : Outcome()
      then
        modify($o) { deny("mallory is suspended") }
      end
      """;

  static final JsonMapper JSON = JsonMapper.builder().build();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path tmp;
  static Path file;
  static AuditLog audit;
  static HttpApi api;
  static GrpcApi grpc;
  static ManagedChannel channel;
  static PolicyGrpc.PolicyBlockingStub policy;
  static String base;
  static Instant middle;
  static List<JsonNode> all; // every record, newest first, read from the file

  @BeforeAll
  static void start() throws Exception {
    file = tmp.resolve("audit.jsonl");
    audit = AuditLog.toFile(file);
    DecisionService decisions =
        new DecisionService(
            new DecisionEngine(Engines.ruleBase(HttpApiTest.CONFIG, DENY)),
            new PodMutator(),
            audit);
    PolicyCalls calls = TestEdges.calls(decisions);
    api = TestEdges.http(calls, TestEdges.ANYONE, Set.of(), null);
    base = "http://127.0.0.1:" + api.start("127.0.0.1", 0);
    grpc = new GrpcApi(calls, TestEdges.ANYONE, null);
    int grpcPort = grpc.start("127.0.0.1", 0);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", grpcPort, InsecureChannelCredentials.create())
            .build();
    policy = PolicyGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    String[] users = {"alice", "bob", "mallory", "vpavlin"};
    for (int i = 0; i < 40; i++) {
      if (i == 20) {
        Thread.sleep(5);
        middle = Instant.now();
        Thread.sleep(5);
      }
      String user = users[i % users.length];
      String body =
          "{\"user\":\""
              + user
              + "\",\"groups\":[\"g"
              + (i % 3)
              + "\"],\"size\":\""
              + (i % 2 == 0 ? "Small" : "Large")
              + "\"}";
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/decisions?explain=none"))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    }
    all = waitForLines(40);
  }

  /** The file's records once it has n, newest first (the writer is asynchronous). */
  static List<JsonNode> waitForLines(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (lines.size() >= n) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
          out.add(0, JSON.readTree(l));
        }
        out.sort(
            (a, b) -> {
              int c = b.path("time").asString().compareTo(a.path("time").asString());
              return c != 0
                  ? c
                  : b.path("decisionId").asString().compareTo(a.path("decisionId").asString());
            });
        return out;
      }
      assertTrue(System.nanoTime() < deadline, "the audit file has " + lines.size() + " lines");
      Thread.sleep(20);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (grpc != null) {
      grpc.stop();
    }
    if (api != null) {
      api.stop();
    }
    if (audit != null) {
      audit.close();
    }
  }

  static JsonNode get(String query, int status) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/decisions" + query)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(status, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** Every page of a query, followed by its cursor; the ids in order. */
  static List<String> allPages(String filters, int limit) throws Exception {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String q =
          "?limit="
              + limit
              + filters
              + (cursor == null
                  ? ""
                  : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      JsonNode page = get(q, 200);
      assertTrue(page.path("decisions").size() <= limit, page.toString());
      page.path("decisions").forEach(d -> ids.add(d.path("decisionId").asString()));
      cursor = page.path("next").isNull() ? null : page.path("next").asString();
      assertTrue(++pages < 100, "paging does not end");
    } while (cursor != null);
    return ids;
  }

  static List<String> expected(Predicate<JsonNode> filter) {
    return all.stream().filter(filter).map(d -> d.path("decisionId").asString()).toList();
  }

  @Test
  void everythingNewestFirstInPagesWithoutGapsOrRepeats() throws Exception {
    List<String> ids = allPages("", 7);
    assertEquals(expected(d -> true), ids);
    assertEquals(ids.size(), new HashSet<>(ids).size());
  }

  @Test
  void eachFilterSelectsWhatTheRecordsSay() throws Exception {
    assertEquals(
        expected(d -> d.path("input").path("user").asString().equals("bob")),
        allPages("&user=bob", 3));
    assertEquals(
        expected(d -> d.path("input").path("groups").toString().contains("\"g1\"")),
        allPages("&group=g1", 4));
    assertEquals(
        expected(d -> "Large".equals(d.path("input").path("size").asString(null))),
        allPages("&size=Large", 50));
    List<String> denied = allPages("&allowed=false", 50);
    assertEquals(expected(d -> !d.path("result").path("allowed").asBoolean()), denied);
    assertEquals(10, denied.size(), "mallory's decisions are the denied ones");
    assertEquals(
        expected(d -> d.path("result").path("allowed").asBoolean()), allPages("&allowed=true", 50));
    String rule = "Mallory may not spawn";
    assertEquals(
        expected(d -> d.path("firedRules").toString().contains("\"" + rule + "\"")),
        allPages("&rule=" + URLEncoder.encode(rule, StandardCharsets.UTF_8), 50));
    assertEquals(denied, allPages("&rule=" + URLEncoder.encode(rule, StandardCharsets.UTF_8), 50));
    assertEquals(
        expected(d -> !Instant.parse(d.path("time").asString()).isBefore(middle)),
        allPages("&since=" + middle, 50));
    assertEquals(
        expected(
            d ->
                Instant.parse(d.path("time").asString()).isBefore(middle)
                    && d.path("input").path("user").asString().equals("alice")),
        allPages("&until=" + middle + "&user=alice", 2));
    assertEquals(List.of(), allPages("&user=nobody", 5));
  }

  @Test
  void recordsAreTheAuditLinesAndLookupStillWorks() throws Exception {
    JsonNode page = get("?limit=1", 200);
    JsonNode first = page.path("decisions").get(0);
    assertEquals(all.get(0), first);
    assertFalse(page.path("next").isNull());
    HttpResponse<String> one =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(base + "/v1/decisions/" + first.path("decisionId").asString()))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, one.statusCode());
    assertEquals(first, JSON.readTree(one.body()));
    JsonNode unpaged = get("", 200); // 40 records, fewer than the default limit of 50
    assertEquals(40, unpaged.path("decisions").size());
    assertTrue(unpaged.path("next").isNull());
  }

  @Test
  void aWrongFilterIsA400NamingIt() throws Exception {
    for (String[] c :
        new String[][] {
          {"?allowed=yes", "allowed"},
          {"?since=yesterday", "since"},
          {"?until=2026-13-01T00:00:00Z", "until"},
          {"?limit=0", "limit"},
          {"?limit=501", "limit"},
          {"?limit=ten", "limit"},
          {"?cursor=not-a-cursor", "cursor"},
          {"?user=a/b", "user"},
          {"?usr=alice", "usr"},
          {"?user=a&user=b", "user"},
        }) {
      JsonNode err = get(c[0], 400);
      assertEquals(c[1], err.path("field").asString(null), c[0] + ": " + err);
    }
  }

  @Test
  void grpcAnswersTheSamePages() throws Exception {
    ListDecisionsResponse r =
        policy.listDecisions(ListDecisionsRequest.newBuilder().setUser("bob").setLimit(3).build());
    JsonNode http = get("?user=bob&limit=3", 200);
    assertEquals(3, r.getRecordsCount());
    for (int i = 0; i < 3; i++) {
      assertEquals(http.path("decisions").get(i), JSON.readTree(r.getRecords(i)));
    }
    assertEquals(http.path("next").asString(), r.getNext());
    assertEquals(http, JSON.readTree(r.getJson()));
    ListDecisionsResponse denied =
        policy.listDecisions(
            ListDecisionsRequest.newBuilder()
                .setAllowed(com.google.protobuf.BoolValue.of(false))
                .setLimit(500)
                .build());
    assertEquals(
        expected(d -> !d.path("result").path("allowed").asBoolean()).size(),
        denied.getRecordsCount());
    assertEquals("", denied.getNext());
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> policy.listDecisions(ListDecisionsRequest.newBuilder().setSince("x").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertNotNull(e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().startsWith("since"), e.getStatus().toString());
  }
}
