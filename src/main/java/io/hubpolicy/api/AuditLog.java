package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.PolicyException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Appends one JSON line per decision. Writing happens on its own thread so a slow disk never adds
 * to decision latency; the queue is bounded and a full queue makes callers wait rather than drop
 * lines (nothing is lost). {@link #close} drains what is queued.
 *
 * <p>No content can break the writer: a line is JSON with every non-ASCII character escaped, so it
 * is plain ASCII whatever a request held (a lone UTF-16 surrogate once stopped every later write);
 * a record that still cannot be made or written is reported, counted ({@code
 * hubpolicy_audit_failures_total}) and skipped, and the writer goes on with the next.
 */
public interface AuditLog extends AutoCloseable {
  void record(Decision d);

  /**
   * The audit line of a decision, if the log has it.
   *
   * @throws OffException if this log keeps nothing
   */
  default Optional<String> find(String decisionId) {
    throw new OffException();
  }

  @Override
  void close();

  AuditLog NONE =
      new AuditLog() {
        @Override
        public void record(Decision d) {}

        @Override
        public void close() {}
      };

  static AuditLog toFile(Path path) throws IOException {
    return toFile(path, new SimpleMeterRegistry());
  }

  /**
   * @param meters where {@code hubpolicy.audit.failures{stage=encode|write}} is counted
   */
  static AuditLog toFile(Path path, MeterRegistry meters) throws IOException {
    return new FileAuditLog(path, FileAuditLog.RECENT, meters);
  }

  /** Decisions cannot be looked up: hubpolicy runs without an audit log. */
  final class OffException extends PolicyException {
    public OffException() {
      super("the audit log is off (started with --audit-log none): decisions are not kept");
    }
  }

  /** No decision with this id is in the audit log. */
  final class NotFoundException extends PolicyException {
    public NotFoundException(String decisionId) {
      super("no decision '" + decisionId + "' in the audit log");
    }
  }

  final class FileAuditLog implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
    private static final String STOP = "\u0000stop";

    /** How many written lines stay in memory for {@link #find}; older ones are read back. */
    static final int RECENT = 2048;

    private static final int CHUNK = 64 * 1024;

    /** Longer "lines" are not ones this class wrote; skipping them bounds a scan's memory. */
    private static final int MAX_LINE = 16 * 1024 * 1024;

    /** A line and its place in the queue, so it is evicted from memory only once written. */
    private record Entry(long seq, String line) {}

    private final Path path;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(65_536);
    private final Thread writer;
    private final OutputStream out;
    private final int recentCapacity;
    private final Counter encodeFailures;
    private final Counter writeFailures;

    /**
     * Recent lines by decision id, oldest first. A line leaves only when it is both beyond the
     * capacity and on disk, so a lookup that misses here always finds a queued line in the file:
     * the map holds at most capacity + queue size lines.
     */
    private final LinkedHashMap<String, Entry> recent = new LinkedHashMap<>();

    private long queued; // guarded by recent
    private volatile long written;

    FileAuditLog(Path path, int recentCapacity) throws IOException {
      this(path, recentCapacity, new SimpleMeterRegistry());
    }

    FileAuditLog(Path path, int recentCapacity, MeterRegistry meters) throws IOException {
      this.path = path;
      this.recentCapacity = recentCapacity;
      this.encodeFailures = failures(meters, "encode");
      this.writeFailures = failures(meters, "write");
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.out =
          new BufferedOutputStream(
              Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
              64 * 1024);
      this.writer = new Thread(this::drain, "audit-log");
      writer.setDaemon(true);
      writer.start();
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
      String line;
      try {
        line = DecisionJson.ascii(DecisionJson.auditLine(d, Instant.now().toString()));
      } catch (RuntimeException e) {
        // Never the decision's content in the message: it is what could not be written.
        encodeFailures.increment();
        LOG.error("cannot make the audit record of decision {}; skipped", d.decisionId(), e);
        return;
      }
      // One lock for numbering, remembering and queueing, so that queue order is number order and
      // "written up to n" means every line numbered n or less is on disk. Only the writer thread
      // empties the queue and it never takes this lock, so waiting for room here cannot deadlock.
      synchronized (recent) {
        long seq = ++queued;
        recent.remove(d.decisionId()); // a re-recorded decision becomes the newest
        recent.put(d.decisionId(), new Entry(seq, line));
        evictWritten();
        try {
          queue.put(line);
        } catch (InterruptedException e) {
          // Never queued, so never written: it must not wait in memory for a write.
          recent.remove(d.decisionId());
          queued--;
          Thread.currentThread().interrupt();
        }
      }
    }

    private void evictWritten() {
      Iterator<Entry> oldest = recent.values().iterator();
      while (recent.size() > recentCapacity && oldest.hasNext()) {
        if (oldest.next().seq() > written) {
          return;
        }
        oldest.remove();
      }
    }

    @Override
    public Optional<String> find(String decisionId) {
      synchronized (recent) {
        Entry e = recent.get(decisionId);
        if (e != null) {
          return Optional.of(e.line());
        }
      }
      try {
        return scanBackwards(decisionId);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read audit log " + path + ": " + e.getMessage(), e);
      }
    }

    /**
     * The newest line for the decision, reading the file from its end in chunks: the newest lines
     * are the likeliest asked for, and the file may be far larger than memory.
     */
    private Optional<String> scanBackwards(String decisionId) throws IOException {
      // As the line was written: the id's JSON string (escaped as the writer escaped it).
      byte[] needle =
          ("\"decisionId\":"
                  + DecisionJson.compact(JsonNodeFactory.instance.stringNode(decisionId))
                  + ",")
              .getBytes(StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        long pos = ch.size();
        // The start of the line that ends after pos, gathered chunk by chunk.
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        boolean skipping = false;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        while (pos > 0) {
          int n = (int) Math.min(CHUNK, pos);
          pos -= n;
          buf.clear().limit(n);
          while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
              throw new IOException("audit log shrank while being read");
            }
          }
          byte[] chunk = buf.array();
          int end = n; // exclusive end of the part of the chunk not yet looked at
          for (int i = n - 1; i >= 0; i--) {
            if (chunk[i] != '\n') {
              continue;
            }
            Optional<String> hit = match(chunk, i + 1, end, partial, skipping, needle);
            if (hit.isPresent()) {
              return hit;
            }
            partial.reset();
            skipping = false;
            end = i;
          }
          if (!skipping && partial.size() + end > MAX_LINE) {
            skipping = true;
            partial.reset();
          }
          if (!skipping) {
            byte[] rest = partial.toByteArray();
            partial.reset();
            partial.write(chunk, 0, end);
            partial.write(rest);
          }
        }
        return match(new byte[0], 0, 0, partial, skipping, needle);
      }
    }

    /** The line {@code chunk[from, to) + partial}, if it is the decision's. */
    private static Optional<String> match(
        byte[] chunk, int from, int to, ByteArrayOutputStream partial, boolean skipping, byte[] n) {
      if (skipping) {
        return Optional.empty();
      }
      byte[] line = new byte[to - from + partial.size()];
      System.arraycopy(chunk, from, line, 0, to - from);
      System.arraycopy(partial.toByteArray(), 0, line, to - from, partial.size());
      return indexOf(line, n) >= 0
          ? Optional.of(new String(line, StandardCharsets.UTF_8).strip())
          : Optional.empty();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
      outer:
      for (int i = 0; i + needle.length <= haystack.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (haystack[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }

    private void drain() {
      List<String> batch = new ArrayList<>();
      while (true) {
        String first;
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
      }
    }

    /**
     * Writes each line on its own, so one that fails costs that line only; returns whether the
     * batch held the stop mark.
     */
    private boolean writeBatch(List<String> batch) {
      boolean stop = false;
      int lines = 0;
      for (String line : batch) {
        if (line == STOP) {
          stop = true;
          continue;
        }
        lines++;
        try {
          // ASCII by construction (see DecisionJson.ascii), so this cannot fail to encode.
          out.write(line.getBytes(StandardCharsets.US_ASCII));
          out.write('\n');
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
      // Also after a failed write: those lines are lost, and keeping them in memory for ever
      // would not bring them back.
      written += lines;
      return stop;
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
}
