package io.hubpolicy.audit;

import io.hubpolicy.api.AuditLine;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.model.Decision;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records as JSON lines on standard output, for the cluster's log collector. Written on its own
 * thread through a bounded queue (a slow reader of the pipe never slows a decision until the queue
 * is full). Keeps nothing to look up: lookups and searches need the file or the store.
 */
public final class StdoutAuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(StdoutAuditLog.class);
  private static final String STOP = "\u0000stop";

  private final PrintStream out;
  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(16_384);
  private final Thread writer;

  public StdoutAuditLog(PrintStream out) {
    this.out = out;
    this.writer = new Thread(this::drain, "audit-stdout");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void record(Decision d) {
    try {
      queue.put(AuditLine.text(d, Instant.now().toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("cannot make the audit record of decision {}; skipped", d.decisionId(), e);
    }
  }

  private void drain() {
    while (true) {
      String line;
      try {
        line = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (line == STOP) {
        out.flush();
        return;
      }
      // One println per line: PrintStream writes it whole, so lines never interleave.
      out.println(line);
    }
  }

  @Override
  public void close() {
    try {
      queue.put(STOP);
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
