package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.PolicyCalls;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Configuration: what {@code GET /v1/config} says, as a page: the serving revision, its sources
 * with their versions (file times, ConfigMap resourceVersions), reload counts and the last change
 * refused, each problem with its file and line.
 */
final class ConfigurationView {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final PolicyCalls calls;

  ConfigurationView(PolicyCalls calls) {
    this.calls = calls;
  }

  String render(Html.Viewer viewer) {
    // Through text: the answer holds some values as POJOs, which read back as nothing.
    JsonNode c = JSON.readTree(DecisionJson.compact(calls.config().get()));
    StringBuilder b = new StringBuilder();
    b.append("<table id=\"serving\" class=\"kv\"><tbody>")
        .append(row("Revision", "<code id=\"revision\">" + esc(text(c, "revision")) + "</code>"))
        .append(row("Built", esc(text(c, "builtAt"))))
        .append(row("Applied", esc(text(c, "appliedAt"))))
        .append(row("Profiles", esc(text(c, "profiles"))))
        .append(row("Sizes", esc(HistoryView.joined(c.path("sizes")))))
        .append(
            row(
                "Reloads",
                "<span id=\"reloads\">"
                    + c.path("reloads").path("applied").asLong(0)
                    + " applied, "
                    + c.path("reloads").path("rejected").asLong(0)
                    + " rejected</span>"))
        .append("</tbody></table>");
    b.append("<h2>Sources</h2>");
    JsonNode from = c.path("loadedFrom");
    if (!from.isEmpty()) {
      b.append("<table id=\"sources\"><thead><tr><th>Source</th><th>Version</th></tr></thead>")
          .append("<tbody>");
      from.forEach(
          v ->
              b.append("<tr><td><code>")
                  .append(esc(v.path("source").asString("")))
                  .append("</code></td><td><code>")
                  .append(esc(v.path("version").asString("")))
                  .append("</code></td></tr>"));
      b.append("</tbody></table>");
    }
    b.append("<p>Profiles from: ")
        .append(list(c.path("profileSources")))
        .append("</p><p>Rules from: ")
        .append(list(c.path("ruleSources")))
        .append("</p>");
    if (!c.path("notes").isEmpty()) {
      b.append("<h2>Notes</h2><ul>");
      c.path("notes").forEach(n -> b.append("<li>").append(esc(n.asString(""))));
      b.append("</ul>");
    }
    b.append("<h2>Last rejected change</h2>");
    JsonNode r = c.path("lastRejected");
    if (!r.isObject()) {
      b.append("<p id=\"no-rejected\">None since this process started.</p>");
    } else {
      b.append("<div id=\"rejected\">")
          .append(
              Html.box(
                  "error",
                  "Rejected at "
                      + esc(text(r, "at"))
                      + " (revision <code>"
                      + esc(text(r, "revision"))
                      + "</code>); the revision above kept serving."))
          .append("<ul class=\"problems\">");
      r.path("problems")
          .forEach(
              p ->
                  b.append("<li><code>")
                      .append(esc(p.path("source").asString("")))
                      .append(':')
                      .append(p.path("line").asLong(0))
                      .append("</code>")
                      .append(p.path("field").asString("").isEmpty() ? "" : " <code>")
                      .append(esc(p.path("field").asString("")))
                      .append(p.path("field").asString("").isEmpty() ? "" : "</code>")
                      .append(": ")
                      .append(esc(p.path("message").asString(""))));
      b.append("</ul></div>");
    }
    return Html.page("Configuration", "/ui/config", viewer, b.toString());
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isNull() || v.isMissingNode() ? "—" : v.asString();
  }

  private static String list(JsonNode a) {
    StringBuilder b = new StringBuilder();
    a.forEach(
        n ->
            b.append(b.length() == 0 ? "" : ", ")
                .append("<code>")
                .append(esc(n.asString("")))
                .append("</code>"));
    return b.length() == 0 ? "—" : b.toString();
  }

  private static String row(String key, String valueHtml) {
    return "<tr><th>" + esc(key) + "</th><td>" + valueHtml + "</td></tr>";
  }
}
