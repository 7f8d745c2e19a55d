package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.PolicyException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where decisions are recorded (a sink) and read back: the audit file ({@link FileAuditLog}),
 * standard output, PostgreSQL (package {@code io.hubpolicy.audit}) or several at once. A record is
 * one JSON object ({@link DecisionJson#auditLine}); recording never blocks a decision beyond a
 * bounded queue.
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

  /**
   * The audited decisions a query selects, newest first, one page.
   *
   * @throws OffException if this log keeps nothing
   */
  default DecisionPage query(DecisionQuery q) {
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
    return new FileAuditLog(path, FileAuditLog.RECENT, meters, Rotation.DEFAULT);
  }

  /**
   * @param rotation when the file is rotated and how many rotated files are kept
   */
  static AuditLog toFile(Path path, MeterRegistry meters, Rotation rotation) throws IOException {
    return new FileAuditLog(path, FileAuditLog.RECENT, meters, rotation);
  }

  /**
   * The audit file's rotation: when it reaches {@code maxBytes} it becomes {@code <file>.1} (the
   * older ones move up: {@code .2}, {@code .3}…) and a new one is begun; at most {@code keep}
   * rotated files are kept, the oldest deleted. So the log takes at most about (keep + 1) ×
   * maxBytes.
   */
  record Rotation(long maxBytes, int keep) {
    /** 100 MiB a file, 10 rotated files: about 1.1 GiB, some 170,000 decisions at 6 KB each. */
    public static final Rotation DEFAULT = new Rotation(100L * 1024 * 1024, 10);

    public Rotation {
      if (maxBytes < 1024) {
        throw new IllegalArgumentException("audit file size " + maxBytes + " is below 1 KiB");
      }
      if (keep < 0 || keep > 1000) {
        throw new IllegalArgumentException("rotated audit files kept must be 0 to 1000: " + keep);
      }
    }
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
}
