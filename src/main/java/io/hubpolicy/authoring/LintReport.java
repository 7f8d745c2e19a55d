package io.hubpolicy.authoring;

import io.hubpolicy.authoring.LintCode.Severity;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** What one lint run found, in report order, and what it means for the exit code. */
public record LintReport(List<LintFinding> findings) {
  /** Exit codes: clean (or infos only, or warnings without --strict). */
  public static final int CLEAN = 0;

  /** Warnings, with --strict. */
  public static final int WARNINGS = 1;

  /** At least one error. */
  public static final int ERRORS = 2;

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  public LintReport {
    List<LintFinding> sorted = new ArrayList<>(findings);
    sorted.sort(LintFinding.ORDER);
    findings = List.copyOf(sorted);
  }

  public Map<Severity, Integer> counts() {
    Map<Severity, Integer> n = new EnumMap<>(Severity.class);
    for (Severity s : Severity.values()) {
      n.put(s, 0);
    }
    findings.forEach(f -> n.merge(f.severity(), 1, Integer::sum));
    return n;
  }

  /** 2 with an error; 1 with a warning when {@code strict}; else 0. */
  public int exitCode(boolean strict) {
    Map<Severity, Integer> n = counts();
    if (n.get(Severity.ERROR) > 0) {
      return ERRORS;
    }
    return strict && n.get(Severity.WARNING) > 0 ? WARNINGS : CLEAN;
  }

  /** Only the findings with this code (tests, mostly). */
  public List<LintFinding> withCode(String code) {
    return findings.stream().filter(f -> f.code().equals(code)).toList();
  }

  /** One finding per line. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    findings.forEach(f -> sb.append(f.text()).append('\n'));
    return sb.toString();
  }

  /** {@code [{code, severity, file, line, field, message}, …]}. */
  public String json() {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (LintFinding f : findings) {
      ObjectNode o = list.addObject();
      o.put("code", f.code());
      o.put("severity", f.severity().word());
      o.put("file", f.file());
      o.put("line", f.line());
      o.put("field", f.field());
      o.put("message", f.message());
    }
    return JSON.writeValueAsString(list) + "\n";
  }

  /** {@code 1 error, 2 warnings, 0 infos}. */
  public String summary() {
    Map<Severity, Integer> n = counts();
    return plural(n.get(Severity.ERROR), "error")
        + ", "
        + plural(n.get(Severity.WARNING), "warning")
        + ", "
        + plural(n.get(Severity.INFO), "info");
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }
}
