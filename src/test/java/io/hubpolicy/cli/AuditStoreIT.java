package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hubpolicy.testing.Postgres;
import io.hubpolicy.testing.ServeOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shared decision store end to end: the built jar as real {@code serve} processes writing one
 * real PostgreSQL (Debian's, private port and directory), under load, through a kill -9 and a 30 s
 * database outage.
 */
class AuditStoreIT {
  static final Path JAR = Path.of("target", "hubpolicy.jar");
  static final Pattern SERVING =
      Pattern.compile("^hubpolicy serving on http://([^\\s:]+):(\\d+) \\(revision \\w+\\)$");
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String TOKEN = "audit-store-it-token";
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void requireJar() throws IOException {
    Assumptions.assumeTrue(
        Files.isRegularFile(JAR),
        "needs the packaged jar " + JAR.toAbsolutePath() + ": run mvn package");
    Files.writeString(tmp.resolve("token"), TOKEN + "\n");
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  record Serve(Process process, int port) {
    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }
  }

  static String dbUrl(Postgres pg) {
    return pg.jdbcUrl() + "?user=" + pg.user() + "&password=" + pg.password();
  }

  /** {@code serve} with the store from HUBPOLICY_AUDIT_DB and its own buffer named {@code name}. */
  Serve serve(Postgres pg, String name) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path err = tmp.resolve(name + ".stderr");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-jar",
                JAR.toString(),
                "serve",
                "--port",
                "0",
                "--grpc-port",
                "-1",
                "--audit-log",
                tmp.resolve(name + ".jsonl").toString(),
                "--audit-buffer",
                tmp.resolve(name + "-buffer").toString(),
                "--token-file",
                tmp.resolve("token").toString())
            .directory(Path.of("").toAbsolutePath().toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    pb.environment().put("HUBPOLICY_AUDIT_DB", dbUrl(pg));
    Process p = pb.start();
    processes.add(p);
    CompletableFuture<Integer> port =
        ServeOutput.firstMatch(p, SERVING, name + "-stdout")
            .thenApply(m -> Integer.parseInt(m.group(2)));
    try {
      return new Serve(p, port.get(90, TimeUnit.SECONDS));
    } catch (Exception e) {
      fail("serve " + name + " did not start: " + Files.readString(err));
      throw e;
    }
  }

  static HttpResponse<String> get(Serve s, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(s.url(path)))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POST /v1/decisions; the decision id when answered 200, else null. */
  static String decide(Serve s, String user) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(s.url("/v1/decisions?explain=none")))
                  .header("Authorization", "Bearer " + TOKEN)
                  .timeout(Duration.ofSeconds(30))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"user\":\"" + user + "\",\"groups\":[\"ds\"]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()).path("decisionId").asString() : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** Decides for {@code users} round robin from 4 threads until stopped; what was answered. */
  static final class Load implements AutoCloseable {
    final Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger failed = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    final boolean countFailures;

    Load(Serve s, String prefix, boolean countFailures) {
      this.countFailures = countFailures;
      for (int t = 0; t < 4; t++) {
        int me = t;
        Thread th =
            new Thread(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    String id = decide(s, prefix + me + "-" + (i % 50));
                    if (id != null) {
                      answered.add(id);
                    } else if (!stop.get() && countFailures) {
                      failed.incrementAndGet();
                    }
                  }
                });
        th.setDaemon(true);
        th.start();
        threads.add(th);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }
    }
  }

  /** Which of the ids are in the store, and checks none is there twice. */
  static Set<String> stored(Postgres pg, Set<String> ids) throws Exception {
    Set<String> found = new HashSet<>();
    try (Connection c = pg.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT decision_id, count(*) FROM decisions WHERE decision_id = ANY (?)"
                    + " GROUP BY decision_id")) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          assertEquals(1, rs.getInt(2), rs.getString(1) + " stored twice");
          found.add(rs.getString(1));
        }
      }
    } catch (java.sql.SQLException notYet) {
      // the table does not exist until a serve has migrated
    }
    return found;
  }

  static void waitStored(Postgres pg, Set<String> ids, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Set<String> found = Set.of();
    while (System.nanoTime() < deadline) {
      found = stored(pg, ids);
      if (found.size() == ids.size()) {
        return;
      }
      Thread.sleep(200);
    }
    Set<String> missing = new HashSet<>(ids);
    missing.removeAll(found);
    fail(
        missing.size()
            + " of "
            + ids.size()
            + " answered decisions are not in the store, e.g. "
            + missing.stream().limit(5).toList());
  }

  static long rowCount(Postgres pg) throws Exception {
    try (Connection c = pg.connect();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM decisions")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aDecisionMadeOnOneReplicaIsFoundOnTheOtherByIdAndByUser() throws Exception {
    try (Postgres pg = Postgres.start()) {
      Serve a = serve(pg, "a");
      Serve b = serve(pg, "b");
      String user = "ana-" + System.nanoTime();
      String id = decide(a, user);
      assertTrue(id != null, "a decided");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      HttpResponse<String> one;
      do {
        one = get(b, "/v1/decisions/" + id);
      } while (one.statusCode() == 404 && System.nanoTime() < deadline && sleep(100));
      assertEquals(200, one.statusCode(), one.body());
      JsonNode record = JSON.readTree(one.body());
      assertEquals(id, record.path("decisionId").asString());
      assertEquals(user, record.path("input").path("user").asString());
      JsonNode page = JSON.readTree(get(b, "/v1/decisions?user=" + user).body());
      assertEquals(1, page.path("decisions").size(), page.toString());
      assertEquals(record, page.path("decisions").get(0));
      assertTrue(page.path("next").isNull());
      // The CLI reads the same store.
      StringWriter out = new StringWriter();
      CommandLine cli = Main.commandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(out));
      assertEquals(
          0,
          cli.execute("history", "--audit-db", dbUrl(pg), "--user", user, "--format", "json"),
          out.toString());
      JsonNode fromCli = JSON.readTree(out.toString());
      assertEquals(record, fromCli.path("decisions").get(0));
      // And an unknown id is a 404 on both.
      assertEquals(404, get(a, "/v1/decisions/d-nosuch-0000").statusCode());
    }
  }

  private static boolean sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  @Test
  void everyDecisionAnsweredBeforeAKill9IsInTheStoreAfterTheRestart() throws Exception {
    try (Postgres pg = Postgres.start()) {
      Serve a = serve(pg, "a");
      Load load = new Load(a, "k", false);
      // Under load for a while (a cold JVM on a busy machine is slow to answer the first ones).
      long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (load.answered.size() < 1000 && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      a.process().destroyForcibly(); // SIGKILL
      a.process().waitFor(10, TimeUnit.SECONDS);
      load.close();
      Set<String> answered = Set.copyOf(load.answered);
      assertTrue(answered.size() > 100, "load made " + answered.size() + " decisions");
      serve(pg, "a"); // the same buffer: what the killed one had not stored, this one does
      waitStored(pg, answered, Duration.ofSeconds(60));
      // The decision id is the primary key, so none is stored twice. A record is buffered before
      // its answer is sent, so the requests in flight at the kill (at most one per load thread)
      // may be stored without having been answered: recorded, never lost.
      long rows = rowCount(pg);
      assertTrue(
          rows >= answered.size() && rows - answered.size() <= 4,
          rows + " rows for " + answered.size() + " answered from 4 threads");
    }
  }

  @Test
  void theDatabaseAwayFor30sUnderLoadFailsNoDecisionAndLosesNoRecord() throws Exception {
    try (Postgres pg = Postgres.start()) {
      Serve a = serve(pg, "a");
      Set<String> answered;
      int failed;
      try (Load load = new Load(a, "o", true)) {
        Thread.sleep(2000);
        pg.stop();
        Thread.sleep(30_000);
        pg.startAgain();
        Thread.sleep(3000);
        load.close();
        answered = Set.copyOf(load.answered);
        failed = load.failed.get();
      }
      assertEquals(0, failed, "decisions failed while the database was away");
      assertTrue(answered.size() > 500, "load made " + answered.size() + " decisions");
      waitStored(pg, answered, Duration.ofSeconds(120));
      assertEquals(answered.size(), rowCount(pg), "each record once");
    }
  }
}
