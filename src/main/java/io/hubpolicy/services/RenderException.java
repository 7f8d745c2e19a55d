package io.hubpolicy.services;

import io.hubpolicy.model.PolicyException;

/** A service template that cannot be rendered; names the template, the line and why. */
public class RenderException extends PolicyException {
  private final String source;
  private final int line;
  private final String reason;

  public RenderException(String source, int line, String reason) {
    this(source, line, reason, null);
  }

  public RenderException(String source, int line, String reason, Throwable cause) {
    super(source + (line > 0 ? ", line " + line : "") + ": " + reason, cause);
    this.source = source;
    this.line = line;
    this.reason = reason;
  }

  public String source() {
    return source;
  }

  public int line() {
    return line;
  }

  public String reason() {
    return reason;
  }
}
