package io.hubpolicy.model;

/**
 * One thing wrong with an input: the file (or ConfigMap), the line, the field path and a sentence.
 * Validation collects all of them rather than stopping at the first.
 */
public record Problem(String source, int line, String field, String message) {
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(source);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (field != null && !field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }
}
