package io.hubpolicy.model;

/** Where a piece of configuration came from, so every message can point at it. */
public record SourceRef(String source, int line) {
  public static final SourceRef UNKNOWN = new SourceRef("<unknown>", 0);

  @Override
  public String toString() {
    return line > 0 ? source + ":" + line : source;
  }
}
