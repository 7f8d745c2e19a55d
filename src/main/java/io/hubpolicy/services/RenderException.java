package io.hubpolicy.services;

import io.hubpolicy.model.PolicyException;

/**
 * A side-service template that cannot be rendered: a syntax error, an undefined variable, or
 * something the sandbox refuses. Names where the template came from and the line in its own text.
 */
public class RenderException extends PolicyException {
  private final String source;
  private final int line;
  private final String reason;

  /**
   * @param source where the template came from, e.g. "ConfigMap spark-cluster-template, key
   *     sparkClusterTemplate"
   * @param line 1-based line in the template text, 0 if unknown
   * @param reason what is wrong, as a sentence
   */
  public RenderException(String source, int line, String reason) {
    super(message(source, line, reason));
    this.source = source;
    this.line = Math.max(0, line);
    this.reason = reason;
  }

  public RenderException(String source, int line, String reason, Throwable cause) {
    super(message(source, line, reason), cause);
    this.source = source;
    this.line = Math.max(0, line);
    this.reason = reason;
  }

  public String source() {
    return source;
  }

  /** 1-based line in the template text, 0 if unknown. */
  public int line() {
    return line;
  }

  public String reason() {
    return reason;
  }

  private static String message(String source, int line, String reason) {
    return line > 0 ? source + ", line " + line + ": " + reason : source + ": " + reason;
  }
}
