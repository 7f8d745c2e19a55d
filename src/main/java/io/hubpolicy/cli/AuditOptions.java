package io.hubpolicy.cli;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.app.SettingException;
import io.hubpolicy.audit.AuditSettings;
import io.hubpolicy.audit.DbUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** {@code serve}'s audit flags: where decisions are recorded (docs/history.md). */
final class AuditOptions {
  @Option(
      names = "--audit-log",
      paramLabel = "PATH|stdout|none",
      defaultValue = "${env:HUBPOLICY_AUDIT_LOG:-hubpolicy-audit.jsonl}",
      description =
          "Where each decision is appended as a JSON line: a file (rotated by size), 'stdout' for"
              + " the cluster's log collector, or 'none'. Env: HUBPOLICY_AUDIT_LOG. Default:"
              + " ${DEFAULT-VALUE}.")
  String file;

  @Option(
      names = "--audit-log-max-size",
      paramLabel = "SIZE",
      defaultValue = "${env:HUBPOLICY_AUDIT_LOG_MAX_SIZE:-100MiB}",
      description =
          "Rotate the audit file when it reaches this size (KiB, MiB, GiB). Env:"
              + " HUBPOLICY_AUDIT_LOG_MAX_SIZE. Default: ${DEFAULT-VALUE}.")
  String fileMaxSize;

  @Option(
      names = "--audit-log-keep",
      paramLabel = "N",
      defaultValue = "${env:HUBPOLICY_AUDIT_LOG_KEEP:-10}",
      description =
          "Rotated audit files kept (FILE.1 … FILE.N); older ones are deleted. Env:"
              + " HUBPOLICY_AUDIT_LOG_KEEP. Default: ${DEFAULT-VALUE}.")
  int fileKeep;

  @Option(
      names = "--audit-db",
      paramLabel = "URL",
      defaultValue = "${env:HUBPOLICY_AUDIT_DB}",
      description =
          "Also record every decision in this PostgreSQL database, shared by all replicas:"
              + " postgresql://user:password@host:5432/db or jdbc:postgresql://…; lookups and"
              + " searches then read it. Env: HUBPOLICY_AUDIT_DB (from a Secret).")
  String db;

  @Option(
      names = "--audit-buffer",
      paramLabel = "DIR",
      defaultValue = "${env:HUBPOLICY_AUDIT_BUFFER:-hubpolicy-audit-buffer}",
      description =
          "With --audit-db: this process's local buffer, which every record passes through and"
              + " which holds them while the database is away. Env: HUBPOLICY_AUDIT_BUFFER."
              + " Default: ${DEFAULT-VALUE}.")
  Path buffer;

  @Option(
      names = "--audit-buffer-max-size",
      paramLabel = "SIZE",
      defaultValue = "${env:HUBPOLICY_AUDIT_BUFFER_MAX_SIZE:-1GiB}",
      description =
          "With --audit-db: the most the buffer holds; when full, decisions wait for the"
              + " database. Env: HUBPOLICY_AUDIT_BUFFER_MAX_SIZE. Default: ${DEFAULT-VALUE}.")
  String bufferMaxSize;

  @Option(
      names = "--audit-retention",
      paramLabel = "DURATION",
      defaultValue = "${env:HUBPOLICY_AUDIT_RETENTION:-90d}",
      description =
          "With --audit-db: delete decisions older than this (d, h, m; 0 keeps them for ever)."
              + " Env: HUBPOLICY_AUDIT_RETENTION. Default: ${DEFAULT-VALUE}.")
  String retention;

  AuditSettings settings() {
    AuditLog.Rotation rotation;
    try {
      rotation = new AuditLog.Rotation(bytes("--audit-log-max-size", fileMaxSize), fileKeep);
    } catch (IllegalArgumentException e) {
      throw new SettingException(
          fileKeep < 0 || fileKeep > 1000 ? "--audit-log-keep" : "--audit-log-max-size",
          e.getMessage());
    }
    DbUrl url = null;
    if (db != null && !db.isBlank()) {
      try {
        url = DbUrl.parse(db);
      } catch (IllegalArgumentException e) {
        throw new SettingException("--audit-db", e.getMessage());
      }
    }
    long bufferMax = bytes("--audit-buffer-max-size", bufferMaxSize);
    if (bufferMax < Math.max(1024 * 1024, 0)) {
      throw new SettingException("--audit-buffer-max-size", "must be at least 1MiB");
    }
    return new AuditSettings(
        file, rotation, url, buffer, bufferMax, duration("--audit-retention", retention));
  }

  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

  /** {@code 100MiB}, {@code 1GiB}, {@code 4096}: binary units (MB is taken as MiB). */
  static long bytes(String option, String value) {
    Matcher m = SIZE.matcher(value == null ? "" : value.strip());
    if (!m.matches()) {
      throw new SettingException(
          option, "'" + value + "' is not a size; write e.g. 100MiB, 1GiB or 4096 (bytes)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    return n
        * switch (unit.charAt(0)) {
          case 'k' -> 1024L;
          case 'm' -> 1024L * 1024;
          case 'g' -> 1024L * 1024 * 1024;
          default -> 1L;
        };
  }

  private static final Pattern DURATION =
      Pattern.compile("(\\d+)\\s*(d|h|m|s)?", Pattern.CASE_INSENSITIVE);

  /** {@code 90d}, {@code 12h}, {@code 30m}, {@code 0}. */
  static Duration duration(String option, String value) {
    Matcher m = DURATION.matcher(value == null ? "" : value.strip());
    if (!m.matches() || m.group(2) == null && !m.group(1).equals("0")) {
      throw new SettingException(
          option, "'" + value + "' is not a duration; write e.g. 90d, 12h, 30m, or 0 for ever");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "d" -> Duration.ofDays(n);
      case "h" -> Duration.ofHours(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
