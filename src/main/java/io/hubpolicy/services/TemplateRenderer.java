package io.hubpolicy.services;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Placeholder: replaced by the sandboxed Velocity renderer. */
public final class TemplateRenderer {
  private static final Pattern VAR = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

  public String render(String source, String text, Map<String, Object> variables) {
    Matcher m = VAR.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      Object v = variables.get(m.group(1));
      if (v == null) {
        throw new RenderException(source, 0, "undefined variable " + m.group(1));
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(v)));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
