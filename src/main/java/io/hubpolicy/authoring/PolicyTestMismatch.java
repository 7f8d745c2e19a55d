package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.format.KubeJson;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One expectation a decision did not meet: the field, the line of the expectation in the test file,
 * what the test expected and what the decision has. Only the failing field is shown, never the
 * whole decision.
 */
public record PolicyTestMismatch(String field, int line, String expected, String got) {
  private static final String EXPECTED = "expected: ";
  private static final String GOT = "got:      ";

  /** The field and its line, then {@code expected:} and {@code got:} on lines of their own. */
  public String describe() {
    return field
        + " (line "
        + line
        + ")\n  "
        + EXPECTED
        + indent(expected, 2 + EXPECTED.length())
        + "\n  "
        + GOT
        + indent(got, 2 + GOT.length());
  }

  /** {@code field: expected X, got Y} on one line (JUnit's failure message). */
  public String oneLine() {
    return field + ": expected " + flat(expected) + ", got " + flat(got);
  }

  private static String indent(String s, int by) {
    return s.replace("\n", "\n" + " ".repeat(by));
  }

  private static String flat(String s) {
    return s.replaceAll("\\s*\\n\\s*", " ");
  }

  /** What "not there" looks like in a message. */
  static final String NOT_SET = "(not set)";

  /**
   * A value as a message shows it: text as written, quantities as Kubernetes writes them, lists and
   * mappings (and Kubernetes objects) as compact JSON, absence as {@value #NOT_SET}.
   */
  static String show(Object v) {
    if (v == null) {
      return NOT_SET;
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof Quantity q) {
      return q.toString();
    }
    if (v instanceof Collection<?> || v instanceof Map<?, ?> || v instanceof KubernetesResource) {
      return KubeJson.SERIALIZATION.asJson(v);
    }
    return v.toString();
  }

  /** Rule names, one numbered line each: long sentences stay readable and comparable. */
  static String numbered(List<String> names) {
    if (names.isEmpty()) {
      return "(none)";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(i + 1).append(". ").append(names.get(i));
    }
    return sb.toString();
  }
}
