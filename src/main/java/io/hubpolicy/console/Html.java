package io.hubpolicy.console;

import io.hubpolicy.api.DecisionJson;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The console's HTML: escaping and the page around each view. Every text that reaches a page goes
 * through {@link #esc} (user names, groups, images, rule and profile names, values and messages are
 * all chosen by someone else, and some by anyone who can spawn), so a view builds its markup from
 * constants and escaped text only.
 */
final class Html {
  private Html() {}

  /** The pages, in the order of the navigation bar: path and title. */
  static final List<String[]> NAV =
      List.of(
          new String[] {"/ui/", "What if"},
          new String[] {"/ui/history", "History"},
          new String[] {"/ui/config", "Configuration"},
          new String[] {"/ui/diff", "Diff"});

  /** Text for HTML element content and quoted attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String r =
          switch (c) {
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '&' -> "&amp;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (r == null && (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f)) {
        r = "\uFFFD"; // a control character shown as what it is: not text
      }
      if (r != null) {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        b.append(r);
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /** A query parameter value. */
  static String url(String s) {
    return java.net.URLEncoder.encode(s == null ? "" : s, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A JSON value as compact text, escaped; {@code (none)} for none. */
  static String json(JsonNode v) {
    return v == null || v.isMissingNode() ? "<i>(none)</i>" : esc(DecisionJson.compact(v));
  }

  /** A JSON value, pretty, in a {@code pre}. */
  static String pre(JsonNode v) {
    return "<pre>" + esc(v == null ? "" : DecisionJson.pretty(v)) + "</pre>";
  }

  /** Who is logged in, and the form token their POSTs carry. */
  record Viewer(String name, String via, String csrf) {}

  /**
   * A whole page.
   *
   * @param active the navigation path of this page, or null
   * @param viewer null on the login pages
   * @param body escaped markup
   */
  static String page(String title, String active, Viewer viewer, String body) {
    StringBuilder b = new StringBuilder(body.length() + 1024);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>")
        .append(esc(title))
        .append(" · hubpolicy</title>")
        .append("<link rel=\"stylesheet\" href=\"/ui/static/console.css\"></head><body>")
        .append("<header><span class=\"brand\">hubpolicy</span><nav>");
    if (viewer != null) {
      for (String[] n : NAV) {
        b.append("<a href=\"")
            .append(n[0])
            .append('"')
            .append(n[0].equals(active) ? " class=\"active\" aria-current=\"page\"" : "")
            .append('>')
            .append(n[1])
            .append("</a>");
      }
    }
    b.append("</nav>");
    if (viewer != null) {
      b.append("<form class=\"logout\" method=\"post\" action=\"/ui/logout\">")
          .append(csrfField(viewer))
          .append("<span id=\"viewer\">")
          .append(esc(viewer.name()))
          .append("</span> <button type=\"submit\">Log out</button></form>");
    }
    b.append("</header><main><h1>")
        .append(esc(title))
        .append("</h1>")
        .append(body)
        .append("</main></body></html>\n");
    return b.toString();
  }

  static String csrfField(Viewer v) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(v.csrf()) + "\">";
  }

  /** A message box: {@code kind} is error, ok or note. */
  static String box(String kind, String escapedText) {
    return "<div class=\"box "
        + kind
        + "\" role=\""
        + (kind.equals("error") ? "alert" : "status")
        + "\">"
        + escapedText
        + "</div>";
  }

  /** A labelled text input. */
  static String input(String name, String label, String value, String extra) {
    return "<label for=\""
        + name
        + "\">"
        + esc(label)
        + "</label><input id=\""
        + name
        + "\" name=\""
        + name
        + "\" value=\""
        + esc(value)
        + "\""
        + (extra == null ? "" : " " + extra)
        + ">";
  }
}
