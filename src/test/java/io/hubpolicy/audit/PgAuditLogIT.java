package io.hubpolicy.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.DecisionPage;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.testing.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The store sink against a real PostgreSQL, in process: shipping, outage, restart, retention. */
class PgAuditLogIT {
  static final String CONFIG =
      """
      profiles:
      - name: globals
        env:
        - {name: API_TOKEN, value: hunter2-do-not-store}
        - {name: GREETING, value: hello}
      - name: data science
        groups: [ds]
        env:
        - {name: TEAM, value: ds}
      """;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;
  final DecisionEngine engine = new DecisionEngine(Engines.ruleBase(CONFIG));

  Decision decide(String user, String... groups) {
    return engine.decide(new SpawnRequest(user, List.of(groups), null, null));
  }

  static DbUrl url(Postgres pg) {
    return new DbUrl(pg.jdbcUrl(), pg.user(), pg.password());
  }

  PgAuditLog open(Postgres pg, String buffer, Clock clock, Duration retention) throws Exception {
    return new PgAuditLog(
        new PgStore(url(pg)),
        new Journal(tmp.resolve(buffer), 64L * 1024 * 1024),
        retention,
        new SimpleMeterRegistry(),
        clock);
  }

  static long rows(Postgres pg) throws Exception {
    try (Connection c = pg.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*), count(DISTINCT decision_id) FROM decisions")) {
      rs.next();
      assertEquals(rs.getLong(1), rs.getLong(2), "a decision stored twice");
      return rs.getLong(1);
    }
  }

  static void waitFor(Postgres pg, long n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long have = -1;
    while (System.nanoTime() < deadline) {
      try {
        have = rows(pg);
      } catch (java.sql.SQLException notYet) {
        // the table is created by the shipper
      }
      if (have >= n) {
        assertEquals(n, have);
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the store has " + have + " of " + n + " decisions");
  }

  static List<String> allIds(PgStore store, DecisionQuery q) throws Exception {
    List<String> ids = new ArrayList<>();
    DecisionQuery page = q;
    while (true) {
      DecisionPage p = store.query(page);
      for (String r : p.records()) {
        ids.add(JSON.readTree(r).path("decisionId").asString());
      }
      if (p.next() == null) {
        return ids;
      }
      page = page.after(p.next());
    }
  }

  @Test
  void recordsReachTheStoreAndAreSearchedThere() throws Exception {
    try (Postgres pg = Postgres.start()) {
      List<Decision> made = new ArrayList<>();
      try (PgAuditLog log = open(pg, "buf", Clock.systemUTC(), Duration.ZERO)) {
        for (int i = 0; i < 300; i++) {
          Decision d = i % 3 == 0 ? decide("ana", "ds") : decide("user" + (i % 7));
          made.add(d);
          log.record(d);
        }
        waitFor(pg, 300);
        String line = log.find(made.get(5).decisionId()).orElseThrow();
        assertFalse(line.contains("hunter2"), "a secret value reached the store: " + line);
        assertTrue(line.contains("\"API_TOKEN\":\"***\""), line);
      }
      try (PgStore store = new PgStore(url(pg))) {
        // From the store itself (a new log's memory is empty).
        Decision one = made.get(7);
        JsonNode r = JSON.readTree(store.find(one.decisionId()).orElseThrow());
        assertEquals(one.decisionId(), r.path("decisionId").asString());
        List<String> ana = allIds(store, DecisionQuery.ALL.withLimit(7).after(null));
        assertEquals(300, ana.size());
        assertEquals(300, new HashSet<>(ana).size());
        List<String> expectedAna = new ArrayList<>();
        for (Decision d : made) {
          if (d.user().equals("ana")) {
            expectedAna.add(0, d.decisionId());
          }
        }
        DecisionQuery byUser =
            DecisionQuery.parse(
                p ->
                    switch (p) {
                      case "user" -> "ana";
                      case "limit" -> "9";
                      default -> null;
                    });
        assertEquals(Set.copyOf(expectedAna), Set.copyOf(allIds(store, byUser)));
        assertEquals(expectedAna.size(), allIds(store, byUser).size());
        DecisionQuery byGroup = DecisionQuery.parse(p -> p.equals("group") ? "ds" : null);
        assertEquals(Set.copyOf(expectedAna), Set.copyOf(allIds(store, byGroup)));
        String rule = r.path("firedRules").get(0).path("rule").asString();
        DecisionQuery byRule =
            DecisionQuery.parse(
                p ->
                    switch (p) {
                      case "rule" -> rule;
                      case "limit" -> "500";
                      default -> null;
                    });
        long withRule =
            made.stream()
                .filter(d -> d.firedRules().stream().anyMatch(f -> f.rule().equals(rule)))
                .count();
        assertEquals(withRule, allIds(store, byRule).size());
      }
    }
  }

  @Test
  void anOutageLosesNothingAndStoresNothingTwice() throws Exception {
    try (Postgres pg = Postgres.start()) {
      try (PgAuditLog log = open(pg, "buf", Clock.systemUTC(), Duration.ZERO)) {
        for (int i = 0; i < 100; i++) {
          log.record(decide("before" + i));
        }
        waitFor(pg, 100);
        pg.stop();
        for (int i = 0; i < 500; i++) {
          log.record(decide("during" + i));
        }
        assertTrue(log.backlog() > 0, "records wait in the buffer");
        pg.startAgain();
        waitFor(pg, 600);
      }
    }
  }

  @Test
  void whatTheLastRunDidNotShipIsShippedByTheNextOnceOnly() throws Exception {
    try (Postgres pg = Postgres.start()) {
      pg.stop();
      try (PgAuditLog log = open(pg, "buf", Clock.systemUTC(), Duration.ZERO)) {
        for (int i = 0; i < 200; i++) {
          log.record(decide("u" + i));
        }
      } // closed with the store away: everything is still in the buffer
      pg.startAgain();
      try (PgAuditLog again = open(pg, "buf", Clock.systemUTC(), Duration.ZERO)) {
        waitFor(pg, 200);
        // Shipping everything once more (a position lost in a crash) adds nothing.
        Files_deletePosition(tmp.resolve("buf"));
      }
      try (PgAuditLog third = open(pg, "buf", Clock.systemUTC(), Duration.ZERO)) {
        Thread.sleep(500);
        assertEquals(200, rows(pg));
      }
    }
  }

  private static void Files_deletePosition(Path dir) throws Exception {
    java.nio.file.Files.deleteIfExists(dir.resolve("position"));
  }

  @Test
  void retentionDeletesOldRows() throws Exception {
    try (Postgres pg = Postgres.start()) {
      Instant longAgo = Instant.parse("2020-01-01T00:00:00Z");
      try (PgAuditLog old = open(pg, "old", Clock.fixed(longAgo, ZoneOffset.UTC), Duration.ZERO)) {
        for (int i = 0; i < 20; i++) {
          old.record(decide("old" + i));
        }
        waitFor(pg, 20);
      }
      try (PgAuditLog log = open(pg, "new", Clock.systemUTC(), Duration.ofDays(30))) {
        for (int i = 0; i < 5; i++) {
          log.record(decide("new" + i));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (rows(pg) != 5 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertEquals(5, rows(pg), "the 20 old decisions are deleted, the 5 new kept");
        try (PgStore store = new PgStore(url(pg))) {
          assertNull(
              store.query(DecisionQuery.parse(p -> p.equals("user") ? "old3" : null)).next());
          assertTrue(
              store
                  .query(DecisionQuery.parse(p -> p.equals("user") ? "old3" : null))
                  .records()
                  .isEmpty());
        }
      }
    }
  }
}
