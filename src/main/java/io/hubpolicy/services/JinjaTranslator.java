package io.hubpolicy.services;

import java.util.regex.Pattern;

/**
 * Translates the Jinja subset of older side-service templates, {@code {{ name }}} and {@code {{ a.b
 * }}} substitutions, into Velocity; and their Helm-values form, {@code {{ .Values.name }}}, as
 * KubeTemplateSpawner's templates write them, which means the same. Everything else is copied
 * literally (inside Velocity unparsed blocks, so {@code $}, {@code #} and {@code \} mean nothing),
 * and no line break is added or removed, so Velocity's line numbers are the template's own.
 */
final class JinjaTranslator {
  private static final Pattern PATH =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*");

  /** Helm's values object: every variable, as KubeTemplateSpawner passes them to Helm. */
  static final String HELM_VALUES = ".Values.";

  private JinjaTranslator() {}

  /** A template is Jinja style when it has a {{ substitution }} or a {% statement %}. */
  static boolean isJinja(String text) {
    return text.contains("{{") || text.contains("{%");
  }

  static String translate(String source, String text) {
    StringBuilder out = new StringBuilder(text.length() + 64);
    int pos = 0;
    while (true) {
      int open = nextTag(text, pos);
      if (open < 0) {
        literal(out, text.substring(pos));
        return out.toString();
      }
      literal(out, text.substring(pos, open));
      int line = lineAt(text, open);
      char kind = text.charAt(open + 1);
      if (kind == '%') {
        throw new RenderException(
            source,
            line,
            "Jinja statements ({% ... %}) are not supported; a service template may use {{ name }}"
                + " substitutions only, or be written in Velocity (#if, #foreach) instead");
      }
      String close = kind == '{' ? "}}" : "#}";
      int end = text.indexOf(close, open + 2);
      if (end < 0) {
        throw new RenderException(
            source,
            line,
            kind == '{' ? "{{ is not closed with }}" : "the comment {# is not closed with #}");
      }
      String inner = text.substring(open + 2, end);
      if (kind == '{') {
        String expression = inner.strip();
        String path =
            expression.startsWith(HELM_VALUES)
                ? expression.substring(HELM_VALUES.length())
                : expression;
        if (!PATH.matcher(path).matches()) {
          throw new RenderException(
              source,
              line,
              "{{ "
                  + expression
                  + " }} is not supported: only {{ name }}, {{ a.b }} and Helm's {{ .Values.name"
                  + " }} substitutions are (no filters, pipelines, functions, calls or"
                  + " literals); the template may be written in Velocity instead ($name, ${a.b},"
                  + " #if, #foreach)");
        }
        out.append("${").append(path).append('}');
      }
      keepLineBreaks(out, inner);
      pos = end + close.length();
    }
  }

  /** Index of the next "{{", "{%" or "{#" from pos, -1 if none. */
  private static int nextTag(String text, int pos) {
    for (int i = text.indexOf('{', pos); i >= 0 && i + 1 < text.length(); ) {
      char next = text.charAt(i + 1);
      if (next == '{' || next == '%' || next == '#') {
        return i;
      }
      i = text.indexOf('{', i + 1);
    }
    return -1;
  }

  /**
   * Appends text so that Velocity outputs it unchanged: in unparsed blocks {@code #[[...]]#}. A
   * block ends at the first "]]#", so the text is cut after each "]]" that precedes a '#'; the '#'
   * opens the next block.
   */
  private static void literal(StringBuilder out, String text) {
    int from = 0;
    while (true) {
      int at = text.indexOf("]]#", from);
      String piece = at < 0 ? text.substring(from) : text.substring(from, at + 2);
      if (!piece.isEmpty()) {
        out.append("#[[").append(piece).append("]]#");
      }
      if (at < 0) {
        return;
      }
      from = at + 2;
    }
  }

  /** Line breaks inside a tag become a Velocity comment: no output, same line count. */
  private static void keepLineBreaks(StringBuilder out, String inner) {
    StringBuilder breaks = new StringBuilder();
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '\n' || c == '\r') {
        breaks.append(c);
      }
    }
    if (!breaks.isEmpty()) {
      out.append("#*").append(breaks).append("*#");
    }
  }

  /** 1-based line of index, counting \n, \r\n and a lone \r as one break each, like Velocity. */
  static int lineAt(String text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
        line++;
      }
    }
    return line;
  }
}
