package io.hubpolicy.services;

/**
 * Thrown from inside a render when the template does something the sandbox refuses or exceeds a
 * limit. {@link TemplateRenderer} turns it into a {@link RenderException}; Velocity may wrap it on
 * the way out, so the renderer looks for it along the cause chain.
 */
final class SandboxViolation extends RuntimeException {
  private final int line;
  private final int column;
  private final String member;

  SandboxViolation(int line, String reason) {
    this(line, 0, null, reason);
  }

  /**
   * A refused member access. reason starts with member (e.g. "getClass()"); the renderer replaces
   * that start with the reference as written in the template ("$s.getClass()") when it can find it
   * at line and column.
   */
  SandboxViolation(int line, int column, String member, String reason) {
    super(reason, null, false, false);
    this.line = line;
    this.column = column;
    this.member = member;
  }

  /** The same violation at a place in the template, for one raised where the place is unknown. */
  SandboxViolation at(int line, int column) {
    return new SandboxViolation(line, column, member, getMessage());
  }

  /** 1-based line in the template, 0 when the place that noticed does not know it. */
  int line() {
    return line;
  }

  int column() {
    return column;
  }

  /** The refused method ("getClass()") or property (".class"), null for other violations. */
  String member() {
    return member;
  }
}
