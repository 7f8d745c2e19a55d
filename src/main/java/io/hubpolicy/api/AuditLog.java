package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one JSON line per decision. Writing happens on its own thread so a slow disk never adds
 * to decision latency; the queue is bounded and a full queue makes callers wait rather than drop
 * lines (nothing is lost). {@link #close} drains what is queued.
 */
public interface AuditLog extends AutoCloseable {
  void record(Decision d);

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
    return new FileAuditLog(path);
  }

  final class FileAuditLog implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);
    private static final String STOP = "\u0000stop";

    private final Path path;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(65_536);
    private final Thread writer;
    private final BufferedWriter out;

    FileAuditLog(Path path) throws IOException {
      this.path = path;
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
      try {
        queue.put(line);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
          for (String line : batch) {
            if (line == STOP) {
              stop = true;
              continue;
            }
            out.write(line);
            out.newLine();
          }
          out.flush();
          batch.clear();
          if (stop) {
            return;
          }
        } catch (IOException e) {
          LOG.error("cannot write audit log {}: {}", path, e.getMessage());
          batch.clear();
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
