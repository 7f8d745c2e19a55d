package io.hubpolicy.bench;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.audit.AuditRow;
import io.hubpolicy.audit.DbUrl;
import io.hubpolicy.audit.PgStore;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.testing.Postgres;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The decision store's benchmarks.
 *
 * <p>{@code bench/run audit-db}: {@code serve} (the built jar) under an open loop of {@code POST
 * /v1/decisions} at {@code --rate R} (5000/s) for {@code --seconds S} (30), once with the audit
 * file and once with the file off and the store on (a private PostgreSQL); the decision latency of
 * each, the records the store took per second, and what waited in the buffer at the end. Also the
 * bytes of an audit record at {@code --record-profiles N} (10,000) profiles and what they are spent
 * on.
 *
 * <p>{@code bench/run history}: {@code --rows N} (1,000,000) decisions in the store, then {@code
 * --queries Q} (1000) searches by user (a page of 50), by group, by rule, and a second page.
 */
final class AuditBench {
  private AuditBench() {}

  // --- audit-db -------------------------------------------------------------------------------

  static void runStore(List<String> args, boolean smoke, PrintStream report) throws Exception {
    int profiles = smoke ? 50 : 1_000;
    double rate = smoke ? 300 : 5_000;
    Duration step = Duration.ofSeconds(smoke ? 2 : 30);
    Duration warmup = Duration.ofSeconds(smoke ? 1 : 20);
    int recordProfiles = smoke ? 100 : 10_000;
    for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
      String a = it.next();
      String v = it.hasNext() ? it.next() : "";
      switch (a) {
        case "--profiles" -> profiles = Integer.parseInt(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--seconds" -> step = Duration.ofSeconds(Long.parseLong(v));
        case "--warmup" -> warmup = Duration.ofSeconds(Long.parseLong(v));
        case "--record-profiles" -> recordProfiles = Integer.parseInt(v);
        default -> throw Bench.usage("audit-db", "unknown option " + a);
      }
    }
    recordSize(recordProfiles, report);
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, 4_096, 42);
    List<String> bodies = w.requests().stream().map(WorkloadGenerator::requestBody).toList();
    Path dir = Files.createTempDirectory("hubpolicy-bench-audit");
    Path yaml = dir.resolve("profiles.yaml");
    Files.writeString(yaml, w.yaml());
    report.printf(
        "Decisions: %d profiles, open loop %.0f/s for %d s after a %d s warm-up, 16 connections,"
            + " explain=none.%n%n",
        profiles, rate, step.toSeconds(), warmup.toSeconds());
    report.println(
        "| sink | answered/s | p50 ms | p99 ms | p99.9 ms | failed | store rows/s during"
            + " the run | left in the buffer at the end | drained after |");
    report.println("|---|---|---|---|---|---|---|---|---|");
    try (Postgres pg = Postgres.start()) {
      DbUrl url = new DbUrl(pg.jdbcUrl(), pg.user(), pg.password());
      for (String sink : List.of("file", "store")) {
        List<String> serveArgs = new ArrayList<>(List.of("--profiles", yaml.toString()));
        if (sink.equals("store")) {
          serveArgs.addAll(
              List.of(
                  "--audit-log",
                  "none",
                  "--audit-buffer",
                  dir.resolve("buffer").toString(),
                  "--audit-db",
                  pg.jdbcUrl() + "?user=" + pg.user() + "&password=" + pg.password()));
        } else {
          serveArgs.addAll(List.of("--audit-log", dir.resolve("audit.jsonl").toString()));
        }
        try (ServeProcess serve = ServeProcess.start(dir.resolve(sink), List.of(), serveArgs);
            LoadGenerator g =
                new LoadGenerator(
                    new LoadGenerator.Target(
                        URI.create(serve.url() + ServeProcess.DECISIONS), serve.token(), bodies),
                    new LoadGenerator.Settings(16, 4_000, Duration.ofSeconds(5)))) {
          System.err.printf("bench audit-db: %s sink, warm-up...%n", sink);
          for (double share : List.of(0.25, 0.5, 1.0)) {
            g.openLoop(rate * share, warmup.dividedBy(3), null);
          }
          Thread.sleep(1000);
          long rows0 = sink.equals("store") ? rows(pg) : 0;
          long t0 = System.nanoTime();
          System.err.printf("bench audit-db: %s sink, %.0f/s...%n", sink, rate);
          LoadGenerator.Result r = g.openLoop(rate, step, null);
          double secs = (System.nanoTime() - t0) / 1e9;
          System.err.println("bench audit-db:   " + r.summary());
          String stored = "-";
          String left = "-";
          String drained = "-";
          if (sink.equals("store")) {
            long rows1 = rows(pg);
            stored = String.format("%.0f", (rows1 - rows0) / secs);
            long sent = r.answered();
            long behind = Math.max(0, rows0 + sent - rows1);
            left = behind + " records";
            long d0 = System.nanoTime();
            long target = rows0 + sent;
            while (rows(pg) < target && System.nanoTime() - d0 < 120e9) {
              Thread.sleep(20);
            }
            drained = String.format("%.2f s", (System.nanoTime() - d0) / 1e9);
          }
          report.printf(
              "| %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %s | %s |%n",
              sink.equals("file") ? "file" : "PostgreSQL (file off)",
              r.achievedRate(),
              r.latencyMs(50),
              r.latencyMs(99),
              r.latencyMs(99.9),
              r.failed(),
              stored,
              left,
              drained);
        }
      }
      try (Connection c = pg.connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*), pg_total_relation_size('decisions'),"
                      + " pg_relation_size('decisions'), avg(octet_length(record)) FROM decisions")) {
        rs.next();
        report.printf(
            "%nIn the store: %d rows, %.0f bytes a row on disk with its indexes and TOAST (%.0f in"
                + " the heap), %.0f bytes of record text a row before compression.%n",
            rs.getLong(1),
            rs.getLong(2) / (double) rs.getLong(1),
            rs.getLong(3) / (double) rs.getLong(1),
            rs.getDouble(4));
      }
      url.toString(); // (the URL's password is never printed)
    }
  }

  static long rows(Postgres pg) throws Exception {
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM decisions")) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      return 0; // not migrated yet
    }
  }

  /** The audit record's bytes at n profiles, and each top-level part's share. */
  static void recordSize(int n, PrintStream report) {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 500, 42);
    DecisionEngine engine = new DecisionEngine(Engines.ruleBase(w.yaml()));
    long total = 0;
    int count = 0;
    Map<String, Long> parts = new TreeMap<>();
    long max = 0;
    for (SpawnRequest r : w.requests()) {
      Decision d = engine.decide(r);
      ObjectNode line = DecisionJson.auditLine(d, Instant.now().toString());
      long bytes = DecisionJson.ascii(line).length() + 1;
      total += bytes;
      max = Math.max(max, bytes);
      count++;
      line.properties()
          .forEach(
              e ->
                  parts.merge(
                      e.getKey(), (long) DecisionJson.ascii(e.getValue()).length(), Long::sum));
      line.path("result")
          .properties()
          .forEach(
              e ->
                  parts.merge(
                      "result." + e.getKey(),
                      (long) DecisionJson.ascii(e.getValue()).length(),
                      Long::sum));
    }
    report.printf(
        "Audit record at %d profiles (%d decisions of the generated workload): %.0f bytes on"
            + " average, %d at most. Where the bytes go (average per record):%n%n",
        n, count, total / (double) count, max);
    report.println("| part | bytes | share |");
    report.println("|---|---|---|");
    double avg = total / (double) count;
    long c = count;
    parts.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .forEach(
            e ->
                report.printf(
                    "| %s | %.0f | %.0f%% |%n",
                    e.getKey(), e.getValue() / (double) c, 100 * e.getValue() / (double) c / avg));
    report.println();
  }

  // --- history --------------------------------------------------------------------------------

  static void runHistory(List<String> args, boolean smoke, PrintStream report) throws Exception {
    int rowsWanted = smoke ? 5_000 : 1_000_000;
    int queries = smoke ? 50 : 1_000;
    int users = smoke ? 100 : 10_000;
    for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
      String a = it.next();
      String v = it.hasNext() ? it.next() : "";
      switch (a) {
        case "--rows" -> rowsWanted = Integer.parseInt(v);
        case "--queries" -> queries = Integer.parseInt(v);
        case "--users" -> users = Integer.parseInt(v);
        default -> throw Bench.usage("history", "unknown option " + a);
      }
    }
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(1_000, 2_000, 42);
    DecisionEngine engine = new DecisionEngine(Engines.ruleBase(w.yaml()));
    List<JsonNode> templates = new ArrayList<>();
    tools.jackson.databind.json.JsonMapper json =
        tools.jackson.databind.json.JsonMapper.builder().build();
    for (SpawnRequest r : w.requests()) {
      templates.add(
          json.readTree(DecisionJson.ascii(DecisionJson.auditLine(engine.decide(r), "x"))));
    }
    try (Postgres pg = Postgres.start();
        PgStore store = new PgStore(new DbUrl(pg.jdbcUrl(), pg.user(), pg.password()))) {
      store.migrate();
      Random rnd = new Random(42);
      Instant start = Instant.parse("2026-09-01T00:00:00Z");
      long t0 = System.nanoTime();
      try (Connection c = store.connect()) {
        c.setAutoCommit(false);
        List<AuditRow> batch = new ArrayList<>();
        for (int i = 0; i < rowsWanted; i++) {
          ObjectNode rec = (ObjectNode) templates.get(rnd.nextInt(templates.size())).deepCopy();
          rec.put("time", start.plusMillis(i * 7L).toString());
          rec.put("decisionId", String.format("d-bench-%08d", i));
          ((ObjectNode) rec.path("input")).put("user", "user" + rnd.nextInt(users));
          batch.add(AuditRow.of(DecisionJson.ascii(rec)));
          if (batch.size() == 1_000) {
            PgStore.insert(c, batch);
            c.commit();
            batch.clear();
            if (i % 100_000 == 99_999) {
              System.err.printf("bench history: %d rows stored%n", i + 1);
            }
          }
        }
        PgStore.insert(c, batch);
        c.commit();
        try (Statement s = c.createStatement()) {
          s.execute("ANALYZE decisions");
        }
        c.commit();
      }
      double loadSecs = (System.nanoTime() - t0) / 1e9;
      report.printf(
          "%d decisions stored (1,000 profiles' records, %d users) in %.0f s (%.0f rows/s in"
              + " batches of 1,000); then %d searches each, one page of 50, newest first, through"
              + " the same PgStore the service uses (pooled connection).%n%n",
          rowsWanted, users, loadSecs, rowsWanted / loadSecs, queries);
      report.println("| search | p50 ms | p99 ms | max ms | records a page (avg) |");
      report.println("|---|---|---|---|---|");
      String rule = templates.get(0).path("firedRules").get(0).path("rule").asString();
      String group =
          templates.stream()
              .filter(t -> t.path("input").path("groups").size() > 0)
              .map(t -> t.path("input").path("groups").get(0).asString())
              .findFirst()
              .orElse("none");
      int u = users;
      measure(report, "by user", queries, store, i -> q("user", "user" + rnd.nextInt(u)));
      measure(
          report,
          "by user, second page",
          queries,
          store,
          i -> {
            DecisionQuery first = q("user", "user" + rnd.nextInt(u)).withLimit(20);
            try {
              var p = store.query(first);
              return p.next() == null ? first : first.after(p.next());
            } catch (java.sql.SQLException e) {
              throw new IllegalStateException(e);
            }
          });
      measure(report, "by group", queries, store, i -> q("group", group));
      measure(report, "by rule", queries, store, i -> q("rule", rule));
      measure(report, "everything (newest 50)", queries, store, i -> DecisionQuery.ALL);
      try (Connection c = pg.connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT pg_total_relation_size('decisions'), pg_indexes_size('decisions')")) {
        rs.next();
        report.printf(
            "%nOn disk: %.0f bytes a decision with indexes and TOAST (indexes %.0f).%n",
            rs.getLong(1) / (double) rowsWanted, rs.getLong(2) / (double) rowsWanted);
      }
    }
  }

  static DecisionQuery q(String name, String value) {
    return DecisionQuery.parse(p -> p.equals(name) ? value : null);
  }

  interface QueryMaker {
    DecisionQuery make(int i);
  }

  static void measure(PrintStream report, String what, int n, PgStore store, QueryMaker make)
      throws Exception {
    for (int i = 0; i < Math.min(100, n); i++) {
      store.query(make.make(i)); // warm-up: JIT, plan cache, buffers
    }
    double[] ms = new double[n];
    long records = 0;
    for (int i = 0; i < n; i++) {
      DecisionQuery q = make.make(i);
      long t = System.nanoTime();
      records += store.query(q).records().size();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    report.printf(
        "| %s | %.2f | %.2f | %.2f | %.1f |%n",
        what,
        ms[n / 2],
        ms[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)],
        ms[n - 1],
        records / (double) n);
    System.err.printf("bench history: %s p99 %.2f ms%n", what, ms[(int) Math.ceil(n * 0.99) - 1]);
  }
}
