package io.hubpolicy.audit;

import io.hubpolicy.api.DecisionPage;
import io.hubpolicy.api.DecisionQuery;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.flywaydb.core.Flyway;

/**
 * The shared store's SQL: the schema (created and migrated with Flyway, from {@code
 * io/hubpolicy/audit/migration}), inserting records idempotently, searching, looking up and
 * deleting old rows. Connections come from a small pool of its own; one that failed is dropped.
 */
public final class PgStore implements AutoCloseable {
  /** Idle connections kept for lookups and searches. */
  private static final int IDLE = 4;

  private static final String COLUMNS =
      "decision_id, decided_at, user_name, groups, image, size, allowed, rules, revision, record";

  private final DbUrl url;
  private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(IDLE);

  public PgStore(DbUrl url) {
    this.url = url;
  }

  public DbUrl url() {
    return url;
  }

  /** Creates or migrates the schema; replicas starting together take turns (Flyway's lock). */
  public void migrate() {
    Flyway.configure()
        .dataSource(url.jdbc(), url.user(), url.password())
        .locations("classpath:io/hubpolicy/audit/migration")
        .table("hubpolicy_schema_history")
        .connectRetries(0)
        .load()
        .migrate();
  }

  public Connection connect() throws SQLException {
    Properties p = new Properties();
    if (url.user() != null) {
      p.setProperty("user", url.user());
    }
    if (url.password() != null) {
      p.setProperty("password", url.password());
    }
    // One multi-row INSERT per batch instead of one statement per row.
    p.setProperty("reWriteBatchedInserts", "true");
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    p.setProperty("ApplicationName", "hubpolicy");
    return DriverManager.getConnection(url.jdbc(), p);
  }

  /** Inserts rows that are not there yet (by decision id); returns how many were new. */
  public static int insert(Connection c, List<AuditRow> rows) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO decisions ("
                + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING")) {
      for (AuditRow r : rows) {
        ps.setString(1, r.decisionId());
        ps.setTimestamp(2, Timestamp.from(r.time()));
        ps.setString(3, r.user());
        ps.setArray(4, c.createArrayOf("text", r.groups().toArray()));
        ps.setString(5, r.image());
        ps.setString(6, r.size());
        ps.setBoolean(7, r.allowed());
        ps.setArray(8, c.createArrayOf("text", r.rules().toArray()));
        ps.setString(9, r.revision());
        ps.setString(10, r.record());
        ps.addBatch();
      }
      int n = 0;
      for (int k : ps.executeBatch()) {
        n += Math.max(k, 0);
      }
      return n;
    }
  }

  /** One page of a query, newest first. */
  public DecisionPage query(DecisionQuery q) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT decided_at, decision_id, record FROM decisions");
    List<Object> args = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (q.user() != null) {
      where.add("user_name = ?");
      args.add(q.user());
    }
    if (q.group() != null) {
      where.add("groups @> ARRAY[?]::text[]");
      args.add(q.group());
    }
    if (q.image() != null) {
      where.add("image = ?");
      args.add(q.image());
    }
    if (q.size() != null) {
      where.add("size = ?");
      args.add(q.size());
    }
    if (q.allowed() != null) {
      where.add("allowed = ?");
      args.add(q.allowed());
    }
    if (q.rule() != null) {
      where.add("rules @> ARRAY[?]::text[]");
      args.add(q.rule());
    }
    if (q.since() != null) {
      where.add("decided_at >= ?");
      args.add(Timestamp.from(q.since()));
    }
    if (q.until() != null) {
      where.add("decided_at < ?");
      args.add(Timestamp.from(q.until()));
    }
    if (q.after() != null) {
      where.add("(decided_at, decision_id) < (?, ?)");
      args.add(Timestamp.from(q.after().time()));
      args.add(q.after().decisionId());
    }
    if (!where.isEmpty()) {
      sql.append(" WHERE ").append(String.join(" AND ", where));
    }
    sql.append(" ORDER BY decided_at DESC, decision_id DESC LIMIT ").append(q.limit() + 1);
    return withConnection(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
              ps.setObject(i + 1, args.get(i));
            }
            List<String> records = new ArrayList<>();
            DecisionQuery.Cursor last = null;
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                if (records.size() == q.limit()) {
                  return new DecisionPage(records, last);
                }
                last = new DecisionQuery.Cursor(rs.getTimestamp(1).toInstant(), rs.getString(2));
                records.add(rs.getString(3));
              }
            }
            return new DecisionPage(records, null);
          }
        });
  }

  public Optional<String> find(String decisionId) throws SQLException {
    return withConnection(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT record FROM decisions WHERE decision_id = ?")) {
            ps.setString(1, decisionId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }

  /** Deletes rows decided before {@code before}, in slices so no lock is held long. */
  public long deleteBefore(Instant before) throws SQLException {
    return withConnection(
        c -> {
          long total = 0;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM decisions WHERE decision_id IN (SELECT decision_id FROM decisions"
                      + " WHERE decided_at < ? LIMIT 10000)")) {
            ps.setTimestamp(1, Timestamp.from(before));
            int n;
            do {
              n = ps.executeUpdate();
              total += n;
            } while (n > 0);
          }
          return total;
        });
  }

  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs on a pooled connection; one that failed is closed, not returned. */
  <T> T withConnection(Work<T> work) throws SQLException {
    Connection c = idle.poll();
    if (c == null) {
      c = connect();
    }
    boolean ok = false;
    try {
      T t = work.run(c);
      ok = true;
      return t;
    } finally {
      if (!ok || !idle.offer(c)) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // already broken
        }
      }
    }
  }

  @Override
  public void close() {
    Connection c;
    while ((c = idle.poll()) != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }
}
