package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.PolicyException;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
    return new FileAuditLog(path, FileAuditLog.RECENT);
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
    private final BufferedWriter out;
    private final int recentCapacity;

    /**
     * Recent lines by decision id, oldest first. A line leaves only when it is both beyond the
     * capacity and on disk, so a lookup that misses here always finds a queued line in the file:
     * the map holds at most capacity + queue size lines.
     */
    private final LinkedHashMap<String, Entry> recent = new LinkedHashMap<>();

    private long queued; // guarded by recent
    private volatile long written;

    FileAuditLog(Path path, int recentCapacity) throws IOException {
      this.path = path;
      this.recentCapacity = recentCapacity;
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.out =
          Files.newBufferedWriter(
              path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      this.writer = new Thread(this::drain, "audit-log");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void record(Decision d) {
      String line = DecisionJson.compact(DecisionJson.auditLine(d, Instant.now().toString()));
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
        try {
          String first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          queue.drainTo(batch);
          boolean stop = false;
          int lines = 0;
          try {
            for (String line : batch) {
              if (line == STOP) {
                stop = true;
                continue;
              }
              lines++;
              out.write(line);
              out.newLine();
            }
            out.flush();
          } finally {
            // Also after a failed write: those lines are lost, and keeping them in memory for
            // ever would not bring them back.
            written += lines;
            batch.clear();
          }
          if (stop) {
            return;
          }
        } catch (IOException e) {
          LOG.error("cannot write audit log {}: {}", path, e.getMessage());
        } catch (InterruptedException e) {
          return;
        }
      }
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
