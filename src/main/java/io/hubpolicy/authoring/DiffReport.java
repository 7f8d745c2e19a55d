package io.hubpolicy.authoring;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.authoring.DecisionDiff.Change;
import io.hubpolicy.authoring.DiffRequests.Replayable;
import io.hubpolicy.model.SpawnRequest;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes what a diff finds as it finds it: one block (text) or one JSON line per changed request,
 * then the summary.
 *
 * <p>Text: {@code user (groups) image size:}, then {@code field: old → new} per change, values as
 * JSON, {@code (none)} for a value that is not there. JSON Lines: one object per changed request
 * ({@code line, kind, decisionId, user, groups, image, size, server, changes: [{field, key, old,
 * new}]}, {@code old} or {@code new} left out when not there), then {@code {"summary": {...}}}.
 */
public final class DiffReport {
  /** Users named in the text summary. */
  static final int TEXT_USERS = 10;

  public enum Format {
    TEXT,
    JSON
  }

  private final Format format;
  private final Writer out;

  public DiffReport(Format format, Writer out) {
    this.format = format;
    this.out = out;
  }

  /** One changed request. */
  public void change(Replayable r, List<Change> changes) throws IOException {
    if (format == Format.JSON) {
      out.write(DecisionJson.compact(json(r, changes)));
      out.write('\n');
      return;
    }
    SpawnRequest q = r.request();
    StringBuilder b = new StringBuilder(256);
    b.append(q.user())
        .append(" (")
        .append(String.join(", ", q.groups()))
        .append(") ")
        .append(q.image() == null ? "(no image)" : q.image())
        .append(' ')
        .append(q.size() == null ? "Default" : q.size())
        .append(":\n");
    for (Change c : changes) {
      b.append("  ")
          .append(c.path())
          .append(": ")
          .append(shown(c.before()))
          .append(" → ")
          .append(shown(c.after()))
          .append('\n');
    }
    out.write(b.toString());
  }

  static ObjectNode json(Replayable r, List<Change> changes) {
    SpawnRequest q = r.request();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("line", r.line());
    o.put("kind", r.kind() == DiffRequests.Kind.AUDIT ? "audit" : "request");
    if (r.decisionId() != null) {
      o.put("decisionId", r.decisionId());
    }
    o.put("user", q.user());
    ArrayNode groups = o.putArray("groups");
    q.groups().forEach(groups::add);
    o.put("image", q.image());
    o.put("size", q.size());
    o.put("server", q.server());
    ArrayNode list = o.putArray("changes");
    for (Change c : changes) {
      ObjectNode n = list.addObject().put("field", c.field());
      if (c.key() != null) {
        n.put("key", c.key());
      }
      if (c.before() != null) {
        n.set("old", c.before());
      }
      if (c.after() != null) {
        n.set("new", c.after());
      }
    }
    return o;
  }

  private static String shown(JsonNode v) {
    return v == null ? "(none)" : DecisionJson.compact(v);
  }

  public void flush() throws IOException {
    out.flush();
  }

  /** The summary, last. */
  public void summary(DiffSummary s) throws IOException {
    if (format == Format.JSON) {
      out.write(DecisionJson.compact(s.json()));
      out.write('\n');
      return;
    }
    StringBuilder b = new StringBuilder();
    if (s.changed() > 0) {
      b.append('\n');
    }
    b.append(count(s.requests(), "request")).append(" replayed: ");
    if (s.changed() == 0) {
      b.append("no decision changes");
    } else {
      b.append(count(s.changed(), "decision"))
          .append(s.changed() == 1 ? " changes" : " change")
          .append(String.format(Locale.ROOT, " (%.2f %%)", 100.0 * s.changed() / s.requests()))
          .append(", for ")
          .append(count(s.users(), "user"))
          .append(s.untallied() > 0 ? " or more" : "");
    }
    b.append('\n');
    if (s.badLines() > 0) {
      b.append("  bad lines (not replayed): ").append(s.badLines()).append('\n');
    }
    if (s.changed() > 0) {
      b.append("  by field: ").append(joined(s.byField())).append('\n');
      if (s.newlyDenied() + s.newlyAllowed() > 0) {
        b.append("  newly denied: ")
            .append(s.newlyDenied())
            .append(", newly allowed: ")
            .append(s.newlyAllowed())
            .append('\n');
      }
      Map<String, Long> top = s.byUser(TEXT_USERS);
      b.append("  by user: ").append(joined(top));
      if (s.users() > top.size()) {
        b.append(", and ").append(count(s.users() - top.size(), "more user"));
      }
      if (s.untallied() > 0) {
        b.append(", and ")
            .append(count(s.untallied(), "change"))
            .append(" of users beyond the first ")
            .append(DiffSummary.MAX_USERS);
      }
      b.append('\n');
    }
    if (s.failedBefore() + s.failedAfter() > 0) {
      b.append("  could not be decided: ")
          .append(s.failedBefore())
          .append(" with the base, ")
          .append(s.failedAfter())
          .append(" with the candidate\n");
    }
    if (s.otherRevision() > 0) {
      b.append("  ")
          .append(count(s.otherRevision(), "audit record"))
          .append(" of ")
          .append(s.auditRecords())
          .append(" recorded under other revisions (")
          .append(String.join(", ", s.otherRevisions()))
          .append(s.otherRevisions().size() >= 16 ? ", …" : "")
          .append(") than the base's\n");
    }
    b.append("  base revision ")
        .append(s.baseRevision())
        .append(", candidate revision ")
        .append(s.candidateRevision())
        .append('\n');
    out.write(b.toString());
  }

  private static String joined(Map<String, Long> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    return b.toString();
  }

  private static String count(long n, String noun) {
    return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
  }
}
