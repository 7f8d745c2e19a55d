package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The parts of a decision the what-if and history pages both show: each field with who set it and
 * what it overrode, the profiles that did not apply and why, and the fired rules in order.
 */
final class Explained {
  private Explained() {}

  /** {@code rule «r» (salience n) for profile «p»}, escaped. */
  static String actor(JsonNode a) {
    if (a == null || a.isMissingNode() || a.isNull()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append("<span class=\"rule\">").append(esc(a.path("rule").asString(""))).append("</span>");
    if (a.has("profile")) {
      b.append(" for profile <span class=\"profile\">")
          .append(esc(a.path("profile").asString("")))
          .append("</span>");
    }
    b.append(" <span class=\"salience\">(salience ")
        .append(esc(a.path("salience").asString("")))
        .append(")</span>");
    return b.toString();
  }

  /** The verdict, the applied profiles, the fields, the profiles not applied, the rules fired. */
  static String decision(JsonNode result, JsonNode explanation, JsonNode fired) {
    StringBuilder b = new StringBuilder();
    boolean allowed = result.path("allowed").asBoolean(false);
    if (allowed) {
      b.append(Html.box("ok", "<strong id=\"verdict\">Allowed</strong>"));
    } else {
      StringBuilder reasons = new StringBuilder();
      result.path("reasons").forEach(r -> reasons.append("<li>").append(esc(r.asString(""))));
      b.append(
          Html.box(
              "error",
              "<strong id=\"verdict\">Denied</strong><ul class=\"reasons\">" + reasons + "</ul>"));
    }
    b.append("<h2>Profiles that applied, in order</h2>");
    JsonNode profiles = result.path("profiles");
    if (profiles.isEmpty()) {
      b.append("<p>None.</p>");
    } else {
      b.append("<ol id=\"applied\">");
      profiles.forEach(p -> b.append("<li>").append(esc(p.asString(""))));
      b.append("</ol>");
    }
    b.append(fields(explanation));
    b.append(notApplied(explanation));
    b.append(fired(fired));
    return b.toString();
  }

  static String fields(JsonNode explanation) {
    StringBuilder b = new StringBuilder("<h2>Fields, who set them and what they overrode</h2>");
    JsonNode fields = explanation == null ? null : explanation.get("fields");
    if (fields == null || fields.isEmpty()) {
      return b.append("<p>No field was set.</p>").toString();
    }
    b.append("<table id=\"fields\"><thead><tr><th>Field</th><th>Value</th><th>Set by</th>")
        .append("<th>Overrode</th></tr></thead><tbody>");
    for (Map.Entry<String, JsonNode> e : fields.properties()) {
      JsonNode t = e.getValue();
      b.append("<tr><td><code>")
          .append(esc(e.getKey()))
          .append("</code></td><td><code>")
          .append(Html.json(t.get("value")))
          .append("</code></td><td>")
          .append(actor(t.get("setBy")))
          .append("</td><td>");
      JsonNode over = t.path("overrode");
      if (over.isEmpty()) {
        b.append("—");
      } else {
        b.append("<ul>");
        over.forEach(
            o ->
                b.append("<li><code>")
                    .append(Html.json(o.get("value")))
                    .append("</code> from ")
                    .append(actor(o.get("setBy"))));
        b.append("</ul>");
      }
      b.append("</td></tr>");
    }
    return b.append("</tbody></table>").toString();
  }

  static String notApplied(JsonNode explanation) {
    if (explanation == null || !explanation.has("notApplied")) {
      return "";
    }
    StringBuilder b = new StringBuilder("<h2>Profiles that did not apply, and why</h2><p>");
    long count = explanation.path("notAppliedCount").asLong(0);
    b.append(count).append(count == 1 ? " profile" : " profiles").append(" did not apply");
    if (explanation.has("closeCount")) {
      b.append("; ")
          .append(explanation.path("closeCount").asLong(0))
          .append(" came close (they name the user, a group or the image), listed here")
          .append(" — choose <em>every profile</em> to list them all");
    } else if (explanation.has("offset")) {
      b.append("; listed from number ").append(explanation.path("offset").asLong(0) + 1);
    }
    b.append(".</p>");
    JsonNode list = explanation.path("notApplied");
    if (list.isEmpty()) {
      return b.toString();
    }
    b.append("<table id=\"not-applied\"><thead><tr><th>#</th><th>Profile</th><th>Why not</th>")
        .append("</tr></thead><tbody>");
    list.forEach(
        n ->
            b.append("<tr><td>")
                .append(esc(n.path("order").asString("")))
                .append("</td><td>")
                .append(esc(n.path("profile").asString("")))
                .append("</td><td>")
                .append(esc(n.path("reason").asString("")))
                .append("</td></tr>"));
    return b.append("</tbody></table>").toString();
  }

  static String fired(JsonNode fired) {
    StringBuilder b = new StringBuilder("<h2>Rules fired, in order</h2>");
    if (fired == null || fired.isEmpty()) {
      return b.append("<p>None.</p>").toString();
    }
    b.append("<ol id=\"fired\">");
    fired.forEach(r -> b.append("<li>").append(actor(r)));
    return b.append("</ol>").toString();
  }
}
