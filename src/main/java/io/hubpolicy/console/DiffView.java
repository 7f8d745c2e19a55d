package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.Problem;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Diff: paste or upload a candidate configuration; the recent recorded decisions are replayed
 * against it ({@link ConsoleDiff}) and the page lists whose decisions change, field by field.
 */
final class DiffView {
  private final ConsoleDiff diff;

  DiffView(ConsoleDiff diff) {
    this.diff = diff;
  }

  WhatIfView.Page form(Html.Viewer viewer) {
    return new WhatIfView.Page(
        200, Html.page("Diff", "/ui/diff", viewer, form(viewer, "", ConsoleDiff.DEFAULT_RECORDS)));
  }

  /**
   * @param candidate the pasted text, or the uploaded file's when one was chosen
   * @param records the form's field, unchecked
   */
  WhatIfView.Page run(String candidate, String records, Html.Viewer viewer) {
    int n = ConsoleDiff.DEFAULT_RECORDS;
    StringBuilder b = new StringBuilder();
    int status = 200;
    try {
      n = records == null || records.isBlank() ? n : parse(records);
      b.append(form(viewer, candidate, n));
      b.append(outcome(diff.run(candidate, n)));
    } catch (InvalidRequestException e) {
      status = 400;
      b.setLength(0);
      b.append(form(viewer, candidate, n))
          .append(Html.box("error", "<span id=\"problem\">" + esc(e.getMessage()) + "</span>"));
    }
    return new WhatIfView.Page(status, Html.page("Diff", "/ui/diff", viewer, b.toString()));
  }

  private static int parse(String records) {
    try {
      return Integer.parseInt(records.strip());
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          "records", "records must be a whole number; got '" + records.strip() + "'");
    }
  }

  private static String form(Html.Viewer viewer, String candidate, int records) {
    return "<form id=\"diff\" method=\"post\" action=\"/ui/diff\" enctype=\"multipart/form-data\""
        + " class=\"grid\">"
        + Html.csrfField(viewer)
        + "<label for=\"candidate\">Candidate configuration (YAML, as a profiles file)</label>"
        + "<textarea id=\"candidate\" name=\"candidate\" rows=\"12\" spellcheck=\"false\">"
        + esc(candidate)
        + "</textarea>"
        + "<label for=\"file\">… or upload a file</label>"
        + "<input id=\"file\" name=\"file\" type=\"file\" accept=\".yaml,.yml,.json\">"
        + "<label for=\"records\">Replay the most recent</label>"
        + "<span><input id=\"records\" name=\"records\" type=\"number\" min=\"1\" max=\""
        + ConsoleDiff.MAX_RECORDS
        + "\" value=\""
        + records
        + "\"> recorded decisions (at most "
        + String.format("%,d", ConsoleDiff.MAX_RECORDS)
        + ", candidate at most "
        + ConsoleDiff.MAX_CANDIDATE / (1024 * 1024)
        + " MiB)</span><div></div><button type=\"submit\">Replay</button></form>";
  }

  private static String outcome(ConsoleDiff.Outcome o) {
    StringBuilder b = new StringBuilder("<section id=\"diff-result\">");
    if (!o.problems().isEmpty()) {
      b.append(Html.box("error", "The candidate has problems; nothing was replayed."))
          .append("<ul class=\"problems\" id=\"candidate-problems\">");
      for (Problem p : o.problems()) {
        b.append("<li>").append(esc(p.toString()));
      }
      return b.append("</ul></section>").toString();
    }
    JsonNode s = o.summary();
    long changed = s.path("changed").asLong(0);
    b.append("<p id=\"diff-summary\">")
        .append(s.path("requests").asLong(0))
        .append(" recorded decisions replayed: ");
    if (changed == 0) {
      b.append("no decision changes.</p>");
    } else {
      b.append(changed)
          .append(changed == 1 ? " decision changes" : " decisions change")
          .append(", for ")
          .append(s.path("users").asLong(0))
          .append(s.path("users").asLong(0) == 1 ? " user" : " users")
          .append(" (newly denied ")
          .append(s.path("newlyDenied").asLong(0))
          .append(", newly allowed ")
          .append(s.path("newlyAllowed").asLong(0))
          .append(").</p>");
      b.append("<p>By field: ");
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : s.path("byField").properties()) {
        b.append(first ? "" : ", ")
            .append("<code>")
            .append(esc(e.getKey()))
            .append("</code> ")
            .append(e.getValue().asLong(0));
        first = false;
      }
      b.append("</p>");
    }
    b.append("<p class=\"note\">Base: the serving revision <code>")
        .append(esc(s.path("baseRevision").asString("")))
        .append("</code>; candidate revision <code>")
        .append(esc(s.path("candidateRevision").asString("")))
        .append("</code>; the serving rules kept.");
    long other = s.path("auditRecordsOfOtherRevisions").asLong(0);
    if (other > 0) {
      b.append(" ").append(other).append(" of the records were decided on other revisions.");
    }
    b.append("</p>");
    if (changed > 0) {
      b.append("<table id=\"changes\"><thead><tr><th>User</th><th>Groups</th><th>Image</th>")
          .append("<th>Size</th><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>");
      for (JsonNode c : o.changes()) {
        JsonNode list = c.path("changes");
        int rows = Math.max(1, list.size());
        boolean first = true;
        for (JsonNode ch : list) {
          b.append("<tr>");
          if (first) {
            String id = c.path("decisionId").asString("");
            b.append("<td rowspan=\"")
                .append(rows)
                .append("\" class=\"user\">")
                .append(
                    id.isEmpty()
                        ? esc(c.path("user").asString(""))
                        : "<a href=\"/ui/history/"
                            + esc(Html.url(id))
                            + "\">"
                            + esc(c.path("user").asString(""))
                            + "</a>")
                .append("</td><td rowspan=\"")
                .append(rows)
                .append("\">")
                .append(esc(HistoryView.joined(c.path("groups"))))
                .append("</td><td rowspan=\"")
                .append(rows)
                .append("\">")
                .append(esc(c.path("image").asString("")))
                .append("</td><td rowspan=\"")
                .append(rows)
                .append("\">")
                .append(esc(c.path("size").asString("")))
                .append("</td>");
            first = false;
          }
          String field = ch.path("field").asString("");
          String key = ch.path("key").asString("");
          b.append("<td class=\"field\"><code>")
              .append(esc(key.isEmpty() ? field : field + "." + key))
              .append("</code></td><td><code>")
              .append(Html.json(ch.get("old")))
              .append("</code></td><td><code>")
              .append(Html.json(ch.get("new")))
              .append("</code></td></tr>");
        }
      }
      b.append("</tbody></table>");
      if (changed > o.changes().size()) {
        b.append("<p class=\"note\">The first ")
            .append(o.changes().size())
            .append(" changed decisions are listed; <code>hubpolicy diff</code> lists them all.")
            .append("</p>");
      }
    }
    return b.append("</section>").toString();
  }
}
