package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.model.InvalidRequestException;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What if: a user, their groups, an image, a size and optionally a pod → the decision they would
 * get now, explained, through the same preview the spawn form uses ({@link PolicyCalls#preview}):
 * nothing is recorded.
 */
final class WhatIfView {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final PolicyCalls calls;

  WhatIfView(PolicyCalls calls) {
    this.calls = calls;
  }

  /**
   * The page: the form with what was asked, and the decision when a user was given.
   *
   * @param field a form or query field, null when not given
   */
  Page render(Function<String, String> field, Html.Viewer viewer) {
    String user = field.apply("user");
    StringBuilder b = new StringBuilder();
    b.append(form(field, viewer));
    int status = 200;
    if (user != null && !user.isBlank()) {
      try {
        b.append("<section id=\"result\">").append(result(field)).append("</section>");
      } catch (InvalidRequestException e) {
        status = 400;
        b.append(Html.box("error", "<span id=\"problem\">" + esc(e.getMessage()) + "</span>"));
      }
    }
    return new Page(status, Html.page("What if", "/ui/", viewer, b.toString()));
  }

  private String result(Function<String, String> field) {
    DecideCall call = DecideCall.of(body(field));
    String level = "full".equals(field.apply("explain")) ? "full" : "close";
    ObjectNode d = calls.preview(call, DecisionJson.Explain.parse(level, null, null)).get();
    StringBuilder b = new StringBuilder();
    b.append("<p class=\"note\">Decided now on revision <code>")
        .append(esc(d.path("revision").asString("")))
        .append("</code>, as the hub would with the user's saved choices; not recorded.</p>");
    b.append(Explained.decision(d, d.get("explanation"), d.get("firedRules")));
    if (d.has("patch")) {
      b.append("<h2>The pod's patch (RFC 6902)</h2>").append(Html.pre(d.get("patch")));
    }
    b.append("<details><summary>The whole decision as JSON</summary>")
        .append(Html.pre(d))
        .append("</details>");
    return b.toString();
  }

  /** The request body the API would take, from the form's fields. */
  static ObjectNode body(Function<String, String> field) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("user", field.apply("user").strip());
    ArrayNode groups = o.putArray("groups");
    String g = field.apply("groups");
    if (g != null) {
      Arrays.stream(g.split("[,\\s]+")).filter(s -> !s.isEmpty()).forEach(groups::add);
    }
    putIfGiven(o, "image", field.apply("image"));
    putIfGiven(o, "size", field.apply("size"));
    String pod = field.apply("pod");
    if (pod != null && !pod.isBlank()) {
      JsonNode p;
      try {
        p = JSON.readTree(pod);
      } catch (JacksonException e) {
        throw new InvalidRequestException(
            "pod", "pod is not JSON: " + e.getOriginalMessage() + " (a Pod object, as JSON)");
      }
      o.set("pod", p);
    }
    return o;
  }

  private static void putIfGiven(ObjectNode o, String name, String v) {
    if (v != null && !v.isBlank()) {
      o.put(name, v.strip());
    }
  }

  private String form(Function<String, String> field, Html.Viewer viewer) {
    List<String> sizes = sizes();
    String size = field.apply("size");
    StringBuilder b = new StringBuilder();
    b.append("<form id=\"what-if\" method=\"post\" action=\"/ui/\" class=\"grid\">")
        .append(Html.csrfField(viewer))
        .append(Html.input("user", "User", field.apply("user"), "required autocomplete=\"off\""))
        .append(
            Html.input(
                "groups",
                "Groups (comma-separated)",
                field.apply("groups"),
                "autocomplete=\"off\""))
        .append(Html.input("image", "Image", field.apply("image"), "autocomplete=\"off\""))
        .append("<label for=\"size\">Size</label><select id=\"size\" name=\"size\">")
        .append("<option value=\"\">(none)</option>");
    for (String s : sizes) {
      b.append("<option")
          .append(s.equals(size) ? " selected" : "")
          .append(" value=\"")
          .append(esc(s))
          .append("\">")
          .append(esc(s))
          .append("</option>");
    }
    if (size != null && !size.isBlank() && !sizes.contains(size)) {
      b.append("<option selected value=\"")
          .append(esc(size))
          .append("\">")
          .append(esc(size))
          .append(" (not configured)</option>");
    }
    boolean full = "full".equals(field.apply("explain"));
    b.append("</select><label for=\"explain\">Profiles not applied</label>")
        .append("<select id=\"explain\" name=\"explain\"><option value=\"close\"")
        .append(full ? "" : " selected")
        .append(">those that came close</option><option value=\"full\"")
        .append(full ? " selected" : "")
        .append(">every profile (first 100)</option></select>")
        .append("<label for=\"pod\">Pod (optional, JSON)</label>")
        .append("<textarea id=\"pod\" name=\"pod\" rows=\"4\" spellcheck=\"false\">")
        .append(esc(field.apply("pod")))
        .append("</textarea><div></div><button type=\"submit\">Decide</button></form>");
    return b.toString();
  }

  private List<String> sizes() {
    try {
      return List.copyOf(new TreeSet<>(calls.serving().sizes().keySet()));
    } catch (RuntimeException e) {
      return List.of(); // no configuration yet: the decision itself will say so
    }
  }

  /** A page and its status. */
  record Page(int status, String html) {}
}
