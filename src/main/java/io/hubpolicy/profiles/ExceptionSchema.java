package io.hubpolicy.profiles;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.RuleException;
import io.hubpolicy.model.SourceRef;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * {@code exceptions:} entries, {@code {name, users, groups, rules, until, reason}}. {@code until}
 * is a date (the exception holds through that day, UTC) or a timestamp with an offset. An entry
 * must name at least one user or group: an exception for everyone is a rule change, not an
 * exception.
 */
final class ExceptionSchema {
  static final Set<String> KEYS = Set.of("name", "users", "groups", "rules", "until", "reason");

  private ExceptionSchema() {}

  static void read(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap m)) {
      in.problem(node.line(), field, "an exception must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(m, field, KEYS);
    String name = in.requiredString(m, "name", field);
    List<String> users = in.stringList(m, "users", field);
    List<String> groups = in.stringList(m, "groups", field);
    List<String> rules = in.stringList(m, "rules", field);
    String reason = in.requiredString(m, "reason", field);
    if (users.isEmpty() && groups.isEmpty()) {
      in.problem(m.line(), field, "names no users and no groups; an exception is for someone");
    }
    if (rules.isEmpty()) {
      in.problem(m.line(), field + ".rules", "is required: the rules that do not act");
    }
    Instant until = until(in, m.get("until"), field + ".until", m.line());
    if (name != null && acc.exceptions.stream().anyMatch(e -> e.name().equals(name))) {
      in.problem(m.line(), field + ".name", "'" + name + "' names another exception too");
    }
    if (in.cleanSince(mark)) {
      acc.exceptions.add(
          new RuleException(
              name, users, groups, rules, until, reason, new SourceRef(in.source(), m.line())));
    }
  }

  private static Instant until(StrictReader in, YNode n, String field, int line) {
    if (StrictReader.isNull(n)) {
      in.problem(line, field, "is required: a date (2027-01-31) or a timestamp with an offset");
      return null;
    }
    String text = n instanceof YScalar s ? s.text() : null;
    if (text == null || text.isBlank()) {
      in.problem(n.line(), field, "must be a date or a timestamp, found " + n.kind());
      return null;
    }
    String t = text.strip();
    try {
      if (t.length() == 10) {
        return LocalDate.parse(t).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return OffsetDateTime.parse(t.replace(' ', 'T')).toInstant();
    } catch (DateTimeException e) {
      in.problem(
          n.line(),
          field,
          "'"
              + t
              + "' is not a date (2027-01-31) or a timestamp with an offset"
              + " (2027-01-31T18:00:00Z)");
      return null;
    }
  }
}
