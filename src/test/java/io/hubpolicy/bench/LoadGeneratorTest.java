package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator against a tiny local server whose delays are known: what it counts, and that
 * open-loop latency runs from the intended send time. Lower bounds only (a sleeping server makes
 * them true); nothing here depends on how fast the machine is.
 */
class LoadGeneratorTest {
  static final String REVISION = "abcdef012345";

  Vertx vertx;
  HttpServer server;
  final AtomicInteger requests = new AtomicInteger();

  /** The request number (1-based) that waits {@link #stallMillis} more, or 0 for none. */
  volatile int stallAt;

  volatile long stallMillis;

  /** Every request waits this long before its answer. */
  volatile long delayMillis;

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.body().onSuccess(body -> handle(req, body.toString())))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Answers after the request's delay, by timer: the server's event loop never blocks. */
  private void handle(HttpServerRequest req, String body) {
    int n = requests.incrementAndGet();
    long wait = delayMillis + (n == stallAt ? stallMillis : 0);
    int status;
    String out;
    if (!"Bearer t0k3n".equals(req.getHeader("Authorization"))) {
      status = 401;
      out = "{\"error\":\"no token\"}";
    } else if (body.contains("deny")) {
      status = 403;
      out = "{\"error\":\"denied\",\"decisionId\":\"d" + n + "\"}";
    } else if (body.contains("boom")) {
      status = 500;
      out = "{\"error\":\"boom\"}";
    } else {
      status = 200;
      out = "{\"decisionId\":\"d" + n + "\",\"revision\":\"" + REVISION + "\",\"user\":\"u\"}";
    }
    Runnable answer =
        () ->
            req.response()
                .setStatusCode(status)
                .putHeader("content-type", "application/json")
                .end(out);
    if (wait > 0) {
      vertx.setTimer(wait, t -> answer.run());
    } else {
      answer.run();
    }
  }

  LoadGenerator generator(List<String> bodies, int connections, int maxInFlight, Duration timeout)
      throws Exception {
    URI url = URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/decisions?explain=none");
    return new LoadGenerator(
        new LoadGenerator.Target(url, "t0k3n", bodies),
        new LoadGenerator.Settings(connections, maxInFlight, timeout));
  }

  record Seen(long intended, long received, int status, String revision) {}

  static LoadGenerator.AnswerObserver into(List<Seen> seen) {
    return (i, r, s, rev) -> seen.add(new Seen(i, r, s, rev));
  }

  /** Requests whose due (or send) time fell while {@code stalled} was waiting for its answer. */
  static List<Seen> dueDuring(List<Seen> all, Seen stalled) {
    return all.stream()
        .filter(s -> s != stalled)
        .filter(s -> s.intended() >= stalled.intended() && s.intended() < stalled.received())
        .toList();
  }

  static Seen longest(List<Seen> all) {
    return all.stream()
        .max((a, b) -> Long.compare(a.received() - a.intended(), b.received() - b.intended()))
        .orElseThrow();
  }

  @Test
  void openLoopLatencyRunsFromTheIntendedTimeSoAStallShowsInP99() throws Exception {
    stallAt = 50;
    stallMillis = 300;
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator.Result r;
    try (LoadGenerator g = generator(List.of("{\"ok\":1}"), 1, 1000, Duration.ofSeconds(10))) {
      r = g.openLoop(100, Duration.ofSeconds(2), into(seen));
    }
    System.err.println(r.summary());
    // The schedule: 2 s at 100/s, every request sent and answered, due exactly 10 ms apart.
    assertEquals(200, r.scheduled(), r.summary());
    assertEquals(200, r.sent(), r.summary());
    assertEquals(200, r.ok200(), r.summary());
    assertEquals(0, r.failed(), r.summary());
    assertEquals(200, seen.size());
    List<Long> due = seen.stream().map(Seen::intended).sorted().toList();
    for (int i = 1; i < due.size(); i++) {
      long gap = due.get(i) - due.get(i - 1);
      assertTrue(Math.abs(gap - 10_000_000) <= 1, "due times 10 ms apart, not " + gap + " ns");
    }
    // Kept the rate: the answers are spread over the run, not sent in a burst at the end.
    assertTrue(r.achievedRate() > 50 && r.achievedRate() <= 100.5, r.summary());

    Seen stalled = longest(seen);
    assertTrue(stalled.received() - stalled.intended() >= 300_000_000L, stalled.toString());
    // On one connection the requests due during the stall queue behind it: each one's latency
    // includes the wait, from its own due time. About 30 of them (300 ms at 100/s).
    List<Seen> queued = dueDuring(seen, stalled);
    assertTrue(queued.size() >= 25, queued.size() + " requests due during the stall");
    for (Seen q : queued) {
      assertTrue(q.received() >= stalled.received(), "answered after the stall: " + q);
    }
    // 2 of 200 requests took 290 ms or more: p99 sees the stall.
    assertTrue(r.latencyMs(99) >= 250, "p99 " + r.latencyMs(99) + " ms: " + r.summary());
    assertTrue(r.maxMs() >= 300, r.summary());
  }

  @Test
  void closedLoopSendsNothingDuringAStallSoItsP99WouldHideIt() throws Exception {
    stallAt = 50;
    stallMillis = 300;
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator.Result r;
    try (LoadGenerator g = generator(List.of("{\"ok\":1}"), 1, 1000, Duration.ofSeconds(10))) {
      r = g.closedLoop(1, Duration.ofSeconds(1), into(seen));
    }
    System.err.println(r.summary());
    assertEquals("closed loop", r.mode());
    assertEquals(0, r.failed(), r.summary());
    assertTrue(r.answered() > 50, r.summary());
    assertEquals(r.answered(), seen.size());
    Seen stalled = longest(seen);
    assertTrue(stalled.received() - stalled.intended() >= 300_000_000L, stalled.toString());
    // The coordinated omission an open loop avoids: while the server stalled, the closed loop
    // sent nothing, so the stall is one sample among many instead of ~30.
    assertEquals(List.of(), dueDuring(seen, stalled));
  }

  @Test
  void countsAnswersByStatusAndReadsTheRevision() throws Exception {
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator.Result r;
    List<String> bodies = List.of("{\"ok\":1}", "{\"deny\":1}", "{\"boom\":1}");
    try (LoadGenerator g = generator(bodies, 2, 1000, Duration.ofSeconds(10))) {
      r = g.openLoop(50, Duration.ofMillis(600), into(seen));
    }
    assertEquals(30, r.scheduled(), r.summary());
    assertEquals(30, r.answered(), r.summary());
    assertEquals(10, r.ok200(), r.summary());
    assertEquals(10, r.denied403(), r.summary());
    assertEquals(10, r.otherStatus(), r.summary());
    assertEquals(10, r.failed(), r.summary());
    assertEquals("10 other status", r.failures());
    assertEquals(30, r.latency().getTotalCount());
    for (Seen s : seen) {
      if (s.status() == 200) {
        assertEquals(REVISION, s.revision(), s.toString());
      } else {
        assertTrue(s.status() == 403 || s.status() == 500, s.toString());
        assertNull(s.revision(), s.toString());
      }
    }
  }

  @Test
  void dropsWhatTheInFlightCapDoesNotLetThrough() throws Exception {
    delayMillis = 200;
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator.Result r;
    try (LoadGenerator g = generator(List.of("{\"ok\":1}"), 3, 3, Duration.ofSeconds(10))) {
      r = g.openLoop(100, Duration.ofMillis(500), into(seen));
    }
    System.err.println(r.summary());
    assertEquals(50, r.scheduled(), r.summary());
    // At most 3 outstanding, each 200 ms or more: at most 3 × (500 / 200 + 1) = 9 are sent.
    assertTrue(r.sent() <= 9, r.summary());
    assertEquals(r.scheduled() - r.sent(), r.dropped(), r.summary());
    assertEquals(r.sent(), r.ok200(), r.summary());
    assertEquals(r.dropped(), r.failed(), r.summary());
    assertEquals(
        r.dropped(), seen.stream().filter(s -> s.status() == LoadGenerator.DROPPED).count());
  }

  @Test
  void aRequestPastItsTimeoutFailsAndTheConnectionIsReplaced() throws Exception {
    stallAt = 3;
    stallMillis = 2_000;
    LoadGenerator.Result r;
    List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    try (LoadGenerator g = generator(List.of("{\"ok\":1}"), 2, 1000, Duration.ofMillis(300))) {
      r = g.openLoop(20, Duration.ofSeconds(1), into(seen));
    }
    System.err.println(r.summary());
    assertEquals(20, r.scheduled(), r.summary());
    assertEquals(1, r.timeouts(), r.summary());
    assertEquals(19, r.ok200(), r.summary());
    assertEquals(1, r.failed(), r.summary());
    assertEquals(1, seen.stream().filter(s -> s.status() == LoadGenerator.TIMEOUT).count());
  }

  @Test
  void findsTheRevisionWithoutParsing() {
    assertEquals(
        "0123456789ab",
        LoadGenerator.revision(
            Buffer.buffer("{\"decisionId\":\"x\",\"revision\":\"0123456789ab\",\"user\":\"u\"}")));
    assertNull(LoadGenerator.revision(Buffer.buffer("{\"error\":\"denied\"}")));
    assertNull(LoadGenerator.revision(Buffer.buffer("{\"revision\":\"unterminated")));
    assertNull(LoadGenerator.revision(Buffer.buffer("")));
  }
}
