package io.hubpolicy.audit;

import io.hubpolicy.api.AuditLine;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionPage;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.api.RecentLines;
import io.hubpolicy.model.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store (PostgreSQL): a decision's record is appended to the local {@link Journal}
 * before the decision is answered, and a shipper thread copies the journal to the database in
 * batches, in order, idempotently (a decision id already there is skipped). So a decision never
 * waits on the database; while it is away the journal grows (up to its bound) and drains when it
 * returns; a {@code kill -9} loses nothing that was answered, as the next start ships the rest.
 *
 * <p>Lookups and searches read the database, which every replica writes: any replica answers for
 * all. The newest records of this replica are also kept in memory, so a lookup right after a
 * decision finds it before the shipper has stored it.
 */
public final class PgAuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(PgAuditLog.class);
  private static final int BATCH_LINES = 1000;
  private static final int BATCH_BYTES = 4 * 1024 * 1024;
  private static final int RECENT = 2048;
  private static final Duration RETENTION_EVERY = Duration.ofHours(1);

  private final PgStore store;
  private final Journal journal;
  private final Duration retention;
  private final Clock clock;
  private final Thread shipper;
  private final Counter stored;
  private final Counter skipped;
  private final Counter failures;
  private volatile boolean closing;
  private volatile boolean idle;
  private volatile boolean storeUp = true;

  /** Recent lines by decision id, in one array the collector never copies (see RecentLines). */
  private final RecentLines recent = new RecentLines(RECENT, RecentLines.DEFAULT_BYTES);

  /**
   * @param buffer the journal's directory, this process's alone
   * @param retention how long rows are kept; zero for ever
   */
  public PgAuditLog(
      PgStore store, Path buffer, long bufferMaxBytes, Duration retention, MeterRegistry meters)
      throws IOException {
    this(store, new Journal(buffer, bufferMaxBytes), retention, meters, Clock.systemUTC());
  }

  PgAuditLog(
      PgStore store, Journal journal, Duration retention, MeterRegistry meters, Clock clock) {
    this.store = store;
    this.journal = journal;
    this.retention = retention;
    this.clock = clock;
    this.stored =
        Counter.builder("hubpolicy.audit.store.records")
            .description("Audit records written to the shared store")
            .register(meters);
    this.skipped =
        Counter.builder("hubpolicy.audit.store.skipped")
            .description("Audit records the store refused (not records, or bad data); logged")
            .register(meters);
    this.failures =
        Counter.builder("hubpolicy.audit.failures")
            .tag("stage", "buffer")
            .description("Audit records that could not be made (encode) or written (write)")
            .register(meters);
    Gauge.builder("hubpolicy.audit.store.backlog.bytes", journal, Journal::backlog)
        .description("Bytes of audit records waiting in the local buffer for the store")
        .register(meters);
    Gauge.builder("hubpolicy.audit.store.up", this, l -> l.storeUp ? 1 : 0)
        .description("1 while the shared store takes records, 0 while they wait in the buffer")
        .register(meters);
    this.shipper = new Thread(this::ship, "audit-store");
    shipper.setDaemon(true);
    shipper.start();
  }

  @Override
  public void record(Decision d) {
    byte[] bytes;
    try {
      bytes = AuditLine.bytes(d, Instant.now(clock).toString());
    } catch (RuntimeException e) {
      failures.increment();
      LOG.error("cannot make the audit record of decision {}; skipped", d.decisionId(), e);
      return;
    }
    byte[] id = d.decisionId().getBytes(StandardCharsets.UTF_8);
    String line = new String(bytes, StandardCharsets.US_ASCII);
    synchronized (recent) {
      if (recent.fits(id.length + bytes.length)) {
        recent.add(id, bytes, 0); // a line too long to keep is found in the store or the journal
      }
    }
    try {
      journal.append(line);
    } catch (IOException e) {
      // The disk under the buffer failed: the decision is answered, its record is lost; loudly.
      failures.increment();
      LOG.error("cannot write audit record {} to the buffer: {}", d.decisionId(), e.getMessage());
    }
    if (idle) {
      LockSupport.unpark(shipper);
    }
  }

  @Override
  public Optional<String> find(String decisionId) {
    synchronized (recent) {
      RecentLines.Found kept = recent.find(decisionId);
      if (kept != null) {
        return Optional.of(kept.line());
      }
    }
    try {
      return store.find(decisionId);
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  @Override
  public DecisionPage query(DecisionQuery q) {
    try {
      return store.query(q);
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private UnavailableException unavailable(SQLException e) {
    return new UnavailableException(
        "the decision store is not available: "
            + e.getMessage()
            + " (decisions go on; see the log)",
        e);
  }

  /** Bytes of records not yet in the store; for tests and the log. */
  public long backlog() {
    return journal.backlog();
  }

  // --- the shipper --------------------------------------------------------------------------

  private void ship() {
    Connection c = null;
    boolean migrated = false;
    Duration backoff = Duration.ofMillis(200);
    Instant nextRetention = Instant.EPOCH;
    Journal.Position at = journal.shipped();
    while (true) {
      try {
        if (c == null) {
          if (!migrated) {
            store.migrate();
            migrated = true;
          }
          c = store.connect();
          if (!storeUp) {
            LOG.info(
                "the decision store is back: writing the {} bytes the buffer holds",
                journal.backlog());
          }
          storeUp = true;
          backoff = Duration.ofMillis(200);
        }
        if (!retention.isZero() && clock.instant().isAfter(nextRetention)) {
          nextRetention = clock.instant().plus(RETENTION_EVERY);
          long gone = store.deleteBefore(clock.instant().minus(retention));
          if (gone > 0) {
            LOG.info("deleted {} decisions older than {} (retention)", gone, retention);
          }
        }
        Journal.Batch b = journal.read(at, BATCH_LINES, BATCH_BYTES);
        if (b.lines().isEmpty()) {
          if (!b.end().equals(at)) {
            at = b.end();
            journal.shippedTo(at);
          }
          if (closing) {
            break;
          }
          idle = true;
          LockSupport.parkNanos(20_000_000L);
          idle = false;
          continue;
        }
        store(c, b.lines());
        at = b.end();
        journal.shippedTo(at);
      } catch (SQLException | RuntimeException e) {
        c = drop(c);
        if (storeUp) {
          LOG.warn(
              "the decision store is not available ({}); records wait in the local buffer",
              message(e));
        }
        storeUp = false;
        if (closing) {
          break;
        }
        LockSupport.parkNanos(backoff.toNanos());
        backoff =
            backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                ? Duration.ofSeconds(5)
                : backoff.multipliedBy(2);
      } catch (IOException e) {
        LOG.error("cannot read the audit buffer: {}; retrying", e.getMessage());
        LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        if (closing) {
          break;
        }
      }
    }
    drop(c);
  }

  /**
   * Stores a batch. A failure on a connection that still works is bad data, not an outage: then row
   * by row, each one the store refuses logged and skipped, so one bad record cannot stop the rest
   * for ever.
   */
  private void store(Connection c, List<String> lines) throws SQLException {
    List<AuditRow> rows = new ArrayList<>(lines.size());
    for (String line : lines) {
      try {
        rows.add(AuditRow.of(line));
      } catch (RuntimeException e) {
        skipped.increment();
        LOG.error("a line of the audit buffer is not a record ({}); skipped", e.getMessage());
      }
    }
    try {
      PgStore.insert(c, rows);
      stored.increment(rows.size());
    } catch (SQLException e) {
      if (!c.isValid(2)) {
        throw e;
      }
      for (AuditRow r : rows) {
        try {
          PgStore.insert(c, List.of(r));
          stored.increment();
        } catch (SQLException one) {
          if (!c.isValid(2)) {
            throw one;
          }
          skipped.increment();
          LOG.error(
              "the decision store refused record {}: {}; skipped",
              r.decisionId(),
              one.getMessage());
        }
      }
    }
  }

  private static String message(Exception e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return e.getMessage() + (t != e ? " (" + t.getMessage() + ")" : "");
  }

  private static Connection drop(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // broken already
      }
    }
    return null;
  }

  /** Stops after storing what the buffer holds, waiting up to 10 s; the rest ships next start. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(shipper);
    try {
      shipper.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (shipper.isAlive()) {
      LOG.warn(
          "stopping with {} bytes of records not yet stored; the next start stores them",
          journal.backlog());
    }
    journal.close();
    store.close();
  }

  /** Used where a {@link PgAuditLog} cannot start: the message says which setting. */
  static UncheckedIOException cannotStart(Path buffer, IOException e) {
    return new UncheckedIOException("audit buffer " + buffer + ": " + e.getMessage(), e);
  }
}
