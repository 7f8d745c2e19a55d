package io.hubpolicy.authoring;

import io.hubpolicy.authoring.LintCode.Severity;
import java.util.Comparator;

/**
 * One finding of {@code hubpolicy lint}: its code (and with it its severity), the file and line it
 * is about (0: the file as a whole), the field path in that file's terms ({@code
 * profiles[2].env[0]}, {@code sizes[1]}, or for a rule {@code rule "name"}; empty when none) and a
 * sentence.
 */
public record LintFinding(LintCode lintCode, String file, int line, String field, String message) {
  /** Files in order, then lines, then codes: how the report lists them. */
  static final Comparator<LintFinding> ORDER =
      Comparator.comparing(LintFinding::file)
          .thenComparingInt(LintFinding::line)
          .thenComparing(f -> f.lintCode().code())
          .thenComparing(LintFinding::field)
          .thenComparing(LintFinding::message);

  public LintFinding {
    file = file == null ? "" : file;
    field = field == null ? "" : field;
  }

  public String code() {
    return lintCode.code();
  }

  public Severity severity() {
    return lintCode.severity();
  }

  /** {@code file:line: severity code: field: message} (no line when 0, no field when empty). */
  public String text() {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ").append(severity().word()).append(' ').append(code()).append(": ");
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }

  @Override
  public String toString() {
    return text();
  }
}
