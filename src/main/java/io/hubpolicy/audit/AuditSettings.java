package io.hubpolicy.audit;

import io.hubpolicy.api.AuditLog;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where decisions are recorded ({@code serve}'s {@code --audit-*} flags; docs/history.md).
 *
 * @param file the audit file, {@link #STDOUT} for JSON lines on standard output, or {@link #NONE}
 * @param rotation when the audit file is rotated and how many rotated files are kept
 * @param db the shared store, or null for none
 * @param buffer the local buffer's directory: every record goes through it to the store, and it
 *     holds them while the store is away
 * @param bufferMaxBytes the most the buffer may hold; when full, decisions wait for room
 * @param retention how long the store keeps a decision; zero for ever
 */
public record AuditSettings(
    String file,
    AuditLog.Rotation rotation,
    DbUrl db,
    Path buffer,
    long bufferMaxBytes,
    Duration retention) {

  public static final String NONE = "none";
  public static final String STDOUT = "stdout";
  public static final long DEFAULT_BUFFER_MAX = 1024L * 1024 * 1024;
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);

  /** The audit file with the default rotation; no store. */
  public static AuditSettings file(String file) {
    return new AuditSettings(
        file, AuditLog.Rotation.DEFAULT, null, null, DEFAULT_BUFFER_MAX, DEFAULT_RETENTION);
  }

  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(
        switch (file) {
          case NONE -> "audit file off";
          case STDOUT -> "audit to stdout";
          default ->
              "audit file "
                  + file
                  + " (rotated at "
                  + rotation.maxBytes() / (1024 * 1024)
                  + " MiB, "
                  + rotation.keep()
                  + " kept)";
        });
    if (db != null) {
      b.append(", audit store ")
          .append(db)
          .append(" through buffer ")
          .append(buffer)
          .append(", retention ")
          .append(retention.isZero() ? "forever" : retention.toDays() + " d");
    }
    return b.toString();
  }
}
