package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.authoring.DiffRequests;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * History: the recorded decisions searched with the API's filters, newest first, a page at a time;
 * and one decision's page (request, result, fired rules, explanation, revision).
 */
final class HistoryView {
  static final List<String> FILTERS =
      List.of("user", "group", "image", "size", "allowed", "rule", "since", "until", "limit");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final DecisionHistory history;
  private final PolicyCalls calls;

  HistoryView(DecisionHistory history, PolicyCalls calls) {
    this.history = history;
    this.calls = calls;
  }

  WhatIfView.Page search(Function<String, String> query, Html.Viewer viewer) {
    Map<String, String> filters = new LinkedHashMap<>();
    for (String f : FILTERS) {
      String v = query.apply(f);
      if (v != null && !v.isBlank()) {
        filters.put(f, v.strip());
      }
    }
    StringBuilder b = new StringBuilder(form(filters));
    String cursor = query.apply("cursor");
    Map<String, String> asked = new LinkedHashMap<>(filters);
    if (cursor != null && !cursor.isBlank()) {
      asked.put("cursor", cursor);
    }
    int status = 200;
    try {
      JsonNode page = JSON.readTree(history.search(asked));
      b.append(table(page.path("decisions")));
      JsonNode next = page.path("next");
      if (next.isString()) {
        Map<String, String> more = new LinkedHashMap<>(filters);
        more.put("cursor", next.asString());
        b.append("<p><a id=\"older\" href=\"/ui/history?")
            .append(esc(HubLogin.form(more)))
            .append("\">Older decisions →</a></p>");
      }
    } catch (InvalidRequestException e) {
      status = 400;
      b.append(Html.box("error", "<span id=\"problem\">" + esc(e.getMessage()) + "</span>"));
    }
    return new WhatIfView.Page(status, Html.page("History", "/ui/history", viewer, b.toString()));
  }

  private static String form(Map<String, String> f) {
    StringBuilder b = new StringBuilder();
    b.append(
        "<form id=\"history-search\" method=\"get\" action=\"/ui/history\" class=\"filters\">");
    b.append(Html.input("user", "User", f.get("user"), "autocomplete=\"off\""))
        .append(Html.input("group", "Group", f.get("group"), "autocomplete=\"off\""))
        .append(Html.input("image", "Image", f.get("image"), "autocomplete=\"off\""))
        .append(Html.input("size", "Size", f.get("size"), "autocomplete=\"off\""))
        .append("<label for=\"allowed\">Verdict</label><select id=\"allowed\" name=\"allowed\">");
    String a = f.getOrDefault("allowed", "");
    for (String[] o : new String[][] {{"", "any"}, {"true", "allowed"}, {"false", "denied"}}) {
      b.append("<option value=\"")
          .append(o[0])
          .append('"')
          .append(o[0].equals(a) ? " selected" : "")
          .append('>')
          .append(o[1])
          .append("</option>");
    }
    b.append("</select>")
        .append(Html.input("rule", "Rule fired", f.get("rule"), "autocomplete=\"off\""))
        .append(
            Html.input("since", "Since", f.get("since"), "placeholder=\"2026-12-03T10:00:00Z\""))
        .append(
            Html.input("until", "Until", f.get("until"), "placeholder=\"2026-12-03T12:00:00Z\""))
        .append(Html.input("limit", "Per page", f.get("limit"), "placeholder=\"50\" size=\"4\""))
        .append("<button type=\"submit\">Search</button></form>");
    return b.toString();
  }

  private static String table(JsonNode decisions) {
    if (decisions.isEmpty()) {
      return "<p id=\"no-decisions\">No recorded decision matches.</p>";
    }
    StringBuilder b =
        new StringBuilder(
            "<table id=\"decisions\"><thead><tr><th>Time</th><th>User</th><th>Groups</th>"
                + "<th>Image</th><th>Size</th><th>Verdict</th><th>Profiles</th>"
                + "<th>Decision</th></tr></thead><tbody>");
    for (JsonNode r : decisions) {
      JsonNode in = r.path("input");
      String id = r.path("decisionId").asString("");
      boolean allowed = r.path("result").path("allowed").asBoolean(false);
      b.append("<tr><td>")
          .append(esc(r.path("time").asString("")))
          .append("</td><td class=\"user\">")
          .append(esc(in.path("user").asString("")))
          .append("</td><td>")
          .append(esc(joined(in.path("groups"))))
          .append("</td><td>")
          .append(esc(in.path("image").asString("")))
          .append("</td><td>")
          .append(esc(in.path("size").asString("")))
          .append("</td><td class=\"")
          .append(allowed ? "allowed\">allowed" : "denied\">denied")
          .append("</td><td>")
          .append(esc(joined(r.path("result").path("profiles"))))
          .append("</td><td><a class=\"decision\" href=\"/ui/history/")
          .append(esc(Html.url(id)))
          .append("\">")
          .append(esc(id.length() > 12 ? id.substring(0, 12) + "…" : id))
          .append("</a></td></tr>");
    }
    return b.append("</tbody></table>").toString();
  }

  static String joined(JsonNode list) {
    StringBuilder b = new StringBuilder();
    list.forEach(n -> b.append(b.length() == 0 ? "" : ", ").append(n.asString("")));
    return b.toString();
  }

  /** One decision's page. */
  WhatIfView.Page decision(String id, Html.Viewer viewer) {
    String line = history.get(id);
    JsonNode r = JSON.readTree(line);
    JsonNode in = r.path("input");
    JsonNode result = r.path("result");
    String revision = r.path("revision").asString("");
    RuleBase serving = servingOrNull();
    boolean same = serving != null && serving.revision().equals(revision);
    StringBuilder b = new StringBuilder();
    b.append("<table id=\"summary\" class=\"kv\"><tbody>")
        .append(row("Decision", "<code id=\"decision-id\">" + esc(id) + "</code>"))
        .append(row("Time", esc(r.path("time").asString(""))))
        .append(
            row(
                "Revision",
                "<code id=\"revision\">"
                    + esc(revision)
                    + "</code> "
                    + (same
                        ? "<span class=\"tag\">serving now</span>"
                        : "<span class=\"tag old\">not the serving revision"
                            + (serving == null ? "" : " (" + esc(serving.revision()) + ")")
                            + "</span>")))
        .append(row("User", "<span id=\"user\">" + esc(in.path("user").asString("")) + "</span>"))
        .append(row("Groups", esc(joined(in.path("groups")))))
        .append(row("Image", esc(in.path("image").asString(""))))
        .append(row("Size", esc(in.path("size").asString(""))))
        .append(row("Server", esc(in.path("server").asString(""))))
        .append("</tbody></table>");
    JsonNode explanation = r.get("explanation");
    String note = null;
    if (explanation == null && same) {
      explanation = recompute(line);
      note =
          "The record keeps no explanation; this one is recomputed from the recorded request"
              + " on the same revision, so it is the one the decision had.";
    } else if (explanation == null) {
      note =
          "The record keeps no explanation, and it was decided on another revision than the"
              + " one serving now, so it cannot be recomputed exactly. <a href=\"/ui/?"
              + esc(whatIfQuery(in))
              + "\">Ask What if</a> for the decision this request gets now.";
    }
    b.append(Explained.decision(result, explanation, r.path("firedRules")));
    if (note != null) {
      b.append("<p class=\"note\" id=\"explanation-note\">").append(note).append("</p>");
    }
    b.append("<h2>Request</h2>").append(Html.pre(in));
    b.append("<h2>Result</h2>").append(Html.pre(result));
    b.append("<p><a href=\"/ui/?")
        .append(esc(whatIfQuery(in)))
        .append("\">Decide this request now (What if)</a></p>");
    return new WhatIfView.Page(200, Html.page("Decision", "/ui/history", viewer, b.toString()));
  }

  private RuleBase servingOrNull() {
    try {
      return calls.serving();
    } catch (PolicyException e) {
      return null;
    }
  }

  /** The explanation of the recorded request on the serving rule base; null if it cannot be. */
  private JsonNode recompute(String line) {
    try {
      DiffRequests.Replayable r = DiffRequests.parse(line.getBytes(StandardCharsets.UTF_8), 1);
      ObjectNode d =
          DecisionJson.toJson(
              DecisionEngine.decide(r.request(), calls.serving()),
              null,
              DecisionJson.Explain.CLOSE);
      return d.get("explanation");
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String whatIfQuery(JsonNode in) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("user", in.path("user").asString(""));
    q.put("groups", joined(in.path("groups")));
    q.put("image", in.path("image").asString(""));
    q.put("size", in.path("size").asString(""));
    return HubLogin.form(q);
  }

  private static String row(String key, String valueHtml) {
    return "<tr><th>" + esc(key) + "</th><td>" + valueHtml + "</td></tr>";
  }
}
