package io.hubpolicy.services;

import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.ServiceTemplates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classic service form: an OpenShift Template whose {@code ${NAME}} placeholders are filled
 * from its parameters' defaults, the service's {@code parameters} and {@code USERNAME}, the way
 * {@code oc process} does it (including {@code ${{NAME}}} for a non-string value).
 */
final class OpenShiftTemplate {
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$\\{\\{([A-Za-z0-9_]+)}}|\\$\\{([A-Za-z0-9_]+)}");

  private OpenShiftTemplate() {}

  /** Whether a template text is an OpenShift Template (as opposed to a plain manifest). */
  static boolean isTemplate(Object parsed) {
    return parsed instanceof Map<?, ?> m && "Template".equals(m.get("kind"));
  }

  static Map<String, Object> parse(ServiceTemplates.Text t) {
    List<Problem> problems = new ArrayList<>();
    List<YNode> docs = YamlReader.readAll(t.text(), t.source(), 0, problems);
    if (!problems.isEmpty()) {
      Problem p = problems.get(0);
      throw new RenderException(t.source(), p.line(), p.message());
    }
    if (docs.size() != 1 || !isTemplate(docs.get(0).plain())) {
      throw new RenderException(t.source(), 0, "does not hold one OpenShift Template");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) docs.get(0).plain();
    return m;
  }

  /** The template's objects with every placeholder filled; the template's labels added. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> process(
      ServiceTemplates.Text t, Map<String, String> given, ServiceTarget target) {
    Map<String, Object> template = parse(t);
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> declared = new TreeSet<>();
    List<String> missing = new ArrayList<>();
    Object params = template.get("parameters");
    List<Map<String, Object>> paramList =
        params instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    for (Map<String, Object> p : paramList) {
      String name = String.valueOf(p.get("name"));
      declared.add(name);
      if (p.get("value") != null) {
        values.put(name, String.valueOf(p.get("value")));
      }
    }
    given.forEach(
        (k, v) -> {
          if (!declared.contains(k)) {
            throw new RenderException(
                t.source(),
                0,
                "parameter '"
                    + k
                    + "' is not declared by the template (declared: "
                    + declared
                    + ")");
          }
          values.put(k, v);
        });
    values.put("USERNAME", target.userSlug());
    for (Map<String, Object> p : paramList) {
      String name = String.valueOf(p.get("name"));
      if (values.containsKey(name)) {
        continue;
      }
      if (p.get("generate") != null) {
        throw new RenderException(
            t.source(),
            0,
            "parameter '"
                + name
                + "' is generated ('generate: "
                + p.get("generate")
                + "'), which hubpolicy does not support; give it a value in the service's"
                + " parameters");
      }
      if (Boolean.TRUE.equals(p.get("required"))) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new RenderException(
          t.source(), 0, "required parameters without a value: " + String.join(", ", missing));
    }
    Object objects = template.get("objects");
    if (!(objects instanceof List<?> list)) {
      throw new RenderException(t.source(), 0, "an OpenShift Template needs a list of objects");
    }
    Map<String, Object> templateLabels =
        template.get("labels") instanceof Map<?, ?> tl ? (Map<String, Object>) tl : Map.of();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?>)) {
        throw new RenderException(t.source(), 0, "every object of a Template must be a mapping");
      }
      Map<String, Object> filled = (Map<String, Object>) fill(o, values);
      if (!templateLabels.isEmpty()) {
        Map<String, Object> meta =
            (Map<String, Object>) filled.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
        Map<String, Object> labels = new LinkedHashMap<>();
        templateLabels.forEach((k, v) -> labels.put(k, fill(v, values)));
        if (meta.get("labels") instanceof Map<?, ?> own) {
          labels.putAll((Map<String, Object>) own);
        }
        meta.put("labels", labels);
      }
      out.add(filled);
    }
    return out;
  }

  private static Object fill(Object node, Map<String, String> values) {
    if (node instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), fill(v, values)));
      return out;
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(fill(v, values)));
      return out;
    }
    if (node instanceof String s) {
      Matcher whole = PLACEHOLDER.matcher(s);
      if (whole.matches() && whole.group(1) != null && values.containsKey(whole.group(1))) {
        return scalar(values.get(whole.group(1)));
      }
      Matcher m = PLACEHOLDER.matcher(s);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        String v = values.get(name);
        m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? m.group() : v));
      }
      m.appendTail(sb);
      return sb.toString();
    }
    return node;
  }

  /** {@code ${{NAME}}}: the value as YAML would read it (a number, a boolean, or a string). */
  private static Object scalar(String v) {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return v;
    }
  }
}
