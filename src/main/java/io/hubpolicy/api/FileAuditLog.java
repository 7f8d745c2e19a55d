package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit file: one JSON line per decision, appended on its own thread so a slow disk never adds
 * to decision latency; the queue is bounded and a full queue makes callers wait rather than drop
 * lines (nothing is lost). {@link #close} drains what is queued. The file is rotated by size and a
 * bounded number of rotated files is kept ({@link AuditLog.Rotation}).
 *
 * <p>No content can break the writer: a line is JSON with every non-ASCII character escaped, so it
 * is plain ASCII whatever a request held (a lone UTF-16 surrogate once stopped every later write);
 * a record that still cannot be made or written is reported, counted ({@code
 * hubpolicy_audit_failures_total}) and skipped, and the writer goes on with the next.
 */
public final class FileAuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
  private static final byte[] STOP = new byte[0];

  /** How many written lines stay in memory for {@link #find}; older ones are read back. */
  static final int RECENT = 2048;

  /**
   * How long the writer waits after writing before it looks at the queue again. Lines that arrive
   * meanwhile are written together, and the decisions that queue them do not have to wake it one by
   * one (that signalling was a fifth of recording a line under load); a line still reaches the file
   * within milliseconds, and lookups find it in memory until then.
   */
  static final long GROUP_NANOS = 5_000_000;

  /** A line not in the ring, and its place in the queue: it stays until it is written. */
  private record Entry(long seq, byte[] line) {}

  private final Path path;
  private final Rotation rotation;
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(65_536);
  private final Thread writer;
  private OutputStream out; // the writer thread's, after construction
  private long size; // bytes in the current file; the writer thread's
  private final Counter encodeFailures;
  private final Counter writeFailures;

  /**
   * Recent lines by decision id (null when none are kept: a capacity of 0). A line leaves only when
   * it is both pushed out and on disk, so a lookup that misses here always finds it in the file: a
   * line that would push out one still queued waits for the writer (as a full queue makes callers
   * wait), so memory stays bounded whatever the disk does.
   */
  private final RecentLines recent;

  /** Lines the ring does not keep (too long, or no ring), until they are written; by id. */
  private final LinkedHashMap<String, Entry> unwritten = new LinkedHashMap<>();

  /** Guards {@link #recent}, {@link #unwritten} and {@link #queued}. */
  private final Object lock = new Object();

  private long queued; // guarded by lock
  private volatile long written;

  FileAuditLog(Path path, int recentCapacity) throws IOException {
    this(path, recentCapacity, new SimpleMeterRegistry(), Rotation.DEFAULT);
  }

  FileAuditLog(Path path, int recentCapacity, MeterRegistry meters, Rotation rotation)
      throws IOException {
    this.path = path;
    this.rotation = rotation;
    this.recent =
        recentCapacity <= 0
            ? null
            : new RecentLines(
                recentCapacity,
                (int) Math.min(RecentLines.DEFAULT_BYTES, 64L * 1024 * recentCapacity));
    this.encodeFailures = failures(meters, "encode");
    this.writeFailures = failures(meters, "write");
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.out = open();
    this.writer = new Thread(this::drain, "audit-log");
    writer.setDaemon(true);
    writer.start();
  }

  private OutputStream open() throws IOException {
    OutputStream o =
        new BufferedOutputStream(
            Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
            64 * 1024);
    size = Files.size(path);
    return o;
  }

  private static Counter failures(MeterRegistry meters, String stage) {
    return Counter.builder("hubpolicy.audit.failures")
        .tag("stage", stage)
        .description("Audit records that could not be made (encode) or written (write)")
        .register(meters);
  }

  /** Failed records so far, by stage; for tests and the log. */
  long failures() {
    return (long) (encodeFailures.count() + writeFailures.count());
  }

  @Override
  public void record(Decision d) {
    byte[] line;
    try {
      line = AuditLine.bytes(d, Instant.now().toString());
    } catch (RuntimeException e) {
      // Never the decision's content in the message: it is what could not be written.
      encodeFailures.increment();
      LOG.error("cannot make the audit record of decision {}; skipped", d.decisionId(), e);
      return;
    }
    // One lock for numbering, remembering and queueing, so that queue order is number order and
    // "written up to n" means every line numbered n or less is on disk. Only the writer thread
    // empties the queue and it never takes this lock, so waiting for room here cannot deadlock.
    synchronized (lock) {
      long seq = ++queued;
      remember(d.decisionId(), line, seq);
      try {
        queue.put(line);
      } catch (InterruptedException e) {
        // Never queued, so never written: it must not wait in memory for a write (a kept copy in
        // the ring is harmless: it is simply pushed out later).
        unwritten.remove(d.decisionId());
        queued--;
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Keeps a line for {@link #find}: in the ring when it fits, else until it is written. */
  private void remember(String id, byte[] lineBytes, long seq) {
    if (!unwritten.isEmpty()) {
      unwritten.values().removeIf(e -> e.seq() <= written);
    }
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    if (recent == null || !recent.fits(idBytes.length + lineBytes.length)) {
      unwritten.remove(id); // a re-recorded decision becomes the newest
      unwritten.put(id, new Entry(seq, lineBytes));
      return;
    }
    while (recent.wouldEvict(idBytes, lineBytes)) {
      if (recent.oldestTag() > written) {
        // The oldest kept line is not on disk yet: wait for the writer rather than lose it.
        LockSupport.parkNanos(100_000);
        continue;
      }
      recent.evictOldest();
    }
    recent.add(idBytes, lineBytes, seq);
  }

  @Override
  public Optional<String> find(String decisionId) {
    synchronized (lock) {
      RecentLines.Found kept = recent == null ? null : recent.find(decisionId);
      Entry queuedLine = unwritten.get(decisionId);
      if (kept != null && (queuedLine == null || kept.tag() > queuedLine.seq())) {
        return Optional.of(kept.line());
      }
      if (queuedLine != null) {
        return Optional.of(new String(queuedLine.line(), StandardCharsets.US_ASCII));
      }
    }
    return AuditFiles.find(path, decisionId);
  }

  /** Reads the file and its rotated ones back; lines still queued are not yet seen. */
  @Override
  public DecisionPage query(DecisionQuery q) {
    return AuditFiles.query(path, q);
  }

  private void drain() {
    List<byte[]> batch = new ArrayList<>();
    while (true) {
      byte[] first;
      try {
        first = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (first == null) {
        continue;
      }
      batch.add(first);
      queue.drainTo(batch);
      boolean stop = writeBatch(batch);
      batch.clear();
      if (stop) {
        return;
      }
      LockSupport.parkNanos(GROUP_NANOS);
    }
  }

  /**
   * Writes each line on its own, so one that fails costs that line only; returns whether the batch
   * held the stop mark.
   */
  private boolean writeBatch(List<byte[]> batch) {
    boolean stop = false;
    int lines = 0;
    for (byte[] bytes : batch) {
      if (bytes == STOP) {
        stop = true;
        continue;
      }
      lines++;
      try {
        if (size > 0 && size + bytes.length + 1 > rotation.maxBytes()) {
          rotate();
        }
        out.write(bytes);
        out.write('\n');
        size += bytes.length + 1;
      } catch (IOException | RuntimeException e) {
        writeFailures.increment();
        LOG.error("cannot write an audit record to {}: {}; skipped", path, e.getMessage());
      }
    }
    try {
      out.flush();
    } catch (IOException e) {
      writeFailures.increment();
      LOG.error("cannot flush the audit log {}: {}", path, e.getMessage());
    }
    // Also after a failed write: those lines are lost, and keeping them in memory for ever would
    // not bring them back.
    written += lines;
    return stop;
  }

  /**
   * The current file becomes {@code .1}, each rotated one moves up, the one beyond {@code keep} is
   * deleted; lookups may read a file twice while this runs, never miss one (renames are atomic and
   * go oldest first).
   */
  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(AuditFiles.rotated(path, rotation.keep() + 1));
    if (rotation.keep() == 0) {
      Files.deleteIfExists(path);
    }
    for (int i = rotation.keep(); i >= 1; i--) {
      Path from = i == 1 ? path : AuditFiles.rotated(path, i - 1);
      if (Files.exists(from)) {
        Files.move(from, AuditFiles.rotated(path, i), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    out = open();
    LOG.info("rotated the audit log {} (keeping {} rotated files)", path, rotation.keep());
  }

  @Override
  public void close() {
    try {
      queue.put(STOP);
      writer.join(10_000);
      out.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.error("cannot close audit log {}: {}", path, e.getMessage());
    }
  }
}
