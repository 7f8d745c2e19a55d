package io.hubpolicy.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One record as the store keeps it: the audit line itself, and the fields the filters use copied
 * out of it (so the store's columns can never disagree with the record).
 */
public record AuditRow(
    String decisionId,
    Instant time,
    String user,
    List<String> groups,
    String image,
    String size,
    boolean allowed,
    List<String> rules,
    String revision,
    String record) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * @throws IllegalArgumentException if the line is not an audit record
   */
  public static AuditRow of(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    String id = n.path("decisionId").asString(null);
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("no decisionId");
    }
    Instant t = Instant.parse(n.path("time").asString(""));
    JsonNode input = n.path("input");
    List<String> groups = new ArrayList<>();
    input.path("groups").forEach(g -> groups.add(text(g.asString())));
    Set<String> rules = new LinkedHashSet<>();
    n.path("firedRules").forEach(r -> rules.add(text(r.path("rule").asString())));
    return new AuditRow(
        id,
        t,
        text(input.path("user").asString(null)),
        groups,
        text(input.path("image").asString(null)),
        text(input.path("size").asString(null)),
        n.path("result").path("allowed").asBoolean(false),
        List.copyOf(rules),
        text(n.path("revision").asString(null)),
        line);
  }

  /** PostgreSQL text cannot hold NUL; the record keeps it escaped, a column gets U+FFFD. */
  private static String text(String s) {
    return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
  }
}
