package io.hubpolicy.authoring;

import io.hubpolicy.engine.RuleSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What lint reads in DRL text, without compiling it: the size names rules compare with, the string
 * literals they hold, and whether they read which profiles applied. Comments are ignored; a
 * comparison is recognised only in the forms below, so a rule written another way is not checked
 * (never misreported).
 *
 * <ul>
 *   <li>{@code size == "X"}, {@code size != "X"}, {@code "X" == size}, {@code size in ("X", "Y")},
 *       {@code size.name == "X"} (the request's size, on {@code Spawn});
 *   <li>{@code name == "X"}, {@code name != "X"}, {@code name in ("X", …)} inside {@code
 *       ChosenSize( … )}.
 * </ul>
 */
final class LintRules {
  /** One size name a rule compares with, where. */
  record SizeReference(String file, int line, String rule, String size) {}

  private static final String STRING = "\"((?:[^\"\\\\]|\\\\.)*)\"";
  private static final Pattern SIZE_COMPARED =
      Pattern.compile("\\bsize(?:\\.name)?\\s*(?:==|!=)\\s*" + STRING);
  private static final Pattern SIZE_COMPARED_BACKWARDS =
      Pattern.compile(STRING + "\\s*(?:==|!=)\\s*size\\b(?!\\s*\\.)");
  private static final Pattern SIZE_IN = Pattern.compile("\\bsize\\s+(?:not\\s+)?in\\s*\\(");
  private static final Pattern NAME_COMPARED =
      Pattern.compile(
          "\\bname\\s*(?:==|!=)\\s*" + STRING + "|" + STRING + "\\s*(?:==|!=)\\s*name\\b");
  private static final Pattern NAME_IN = Pattern.compile("\\bname\\s+(?:not\\s+)?in\\s*\\(");
  private static final Pattern CHOSEN_SIZE = Pattern.compile("\\bChosenSize\\s*\\(");
  private static final Pattern LITERAL = Pattern.compile(STRING);
  private static final Pattern RULE =
      Pattern.compile("(?m)^\\s*rule\\s+(?:\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|(\\S+))");
  private static final Pattern READS_PROFILES =
      Pattern.compile("\\b(?:ProfileMatch|profiles|getProfiles)\\b");

  private final RuleSource source;

  /** The text with comments blanked (newlines kept). */
  private final String text;

  /** The text with comments and the insides of strings blanked. */
  private final String code;

  private final int[] lineStarts;

  LintRules(RuleSource source) {
    this.source = source;
    char[] t = source.text().toCharArray();
    char[] c = t.clone();
    blank(t, c);
    this.text = new String(t);
    this.code = new String(c);
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < t.length; i++) {
      if (t[i] == '\n') {
        starts.add(i + 1);
      }
    }
    this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether the rules can see which profiles applied ({@code ProfileMatch}, {@code profiles}). */
  boolean readsProfiles() {
    return READS_PROFILES.matcher(code).find();
  }

  /** Every string literal outside comments. */
  Set<String> literals() {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = LITERAL.matcher(text);
    while (m.find()) {
      if (inCode(m.start())) {
        out.add(unescape(m.group(1)));
      }
    }
    return out;
  }

  List<SizeReference> sizeReferences() {
    List<SizeReference> out = new ArrayList<>();
    compared(SIZE_COMPARED, 0, text.length(), out);
    compared(SIZE_COMPARED_BACKWARDS, 0, text.length(), out);
    listed(SIZE_IN, 0, text.length(), out);
    Matcher chosen = CHOSEN_SIZE.matcher(code);
    while (chosen.find()) {
      int open = chosen.end() - 1;
      int close = closing(open);
      compared(NAME_COMPARED, open, close, out);
      listed(NAME_IN, open, close, out);
    }
    return out;
  }

  private void compared(Pattern p, int from, int to, List<SizeReference> out) {
    Matcher m = p.matcher(text).region(from, to);
    while (m.find()) {
      if (!inCode(m.start())) {
        continue;
      }
      String name = m.group(1) != null ? m.group(1) : m.groupCount() > 1 ? m.group(2) : null;
      if (name != null) {
        out.add(reference(m.start(), unescape(name)));
      }
    }
  }

  private void listed(Pattern p, int from, int to, List<SizeReference> out) {
    Matcher m = p.matcher(text).region(from, to);
    while (m.find()) {
      if (!inCode(m.start())) {
        continue;
      }
      int close = closing(m.end() - 1);
      Matcher s = LITERAL.matcher(text).region(m.end(), close);
      while (s.find()) {
        out.add(reference(s.start(), unescape(s.group(1))));
      }
    }
  }

  private SizeReference reference(int offset, String size) {
    String rule = "";
    Matcher r = RULE.matcher(code);
    while (r.find() && r.start() < offset) {
      Matcher named = RULE.matcher(text).region(r.start(), text.length());
      if (named.lookingAt()) {
        String n = named.group(1) != null ? named.group(1) : named.group(2);
        rule = "rule \"" + (n != null ? unescape(n) : named.group(3)) + "\"";
      }
    }
    return new SizeReference(source.name(), line(offset), rule, size);
  }

  /** The offset of the parenthesis closing the one at {@code open}, in code (end if none). */
  private int closing(int open) {
    int depth = 0;
    for (int i = open; i < code.length(); i++) {
      char ch = code.charAt(i);
      if (ch == '(') {
        depth++;
      } else if (ch == ')' && --depth == 0) {
        return i;
      }
    }
    return code.length();
  }

  private boolean inCode(int offset) {
    return code.charAt(offset) == text.charAt(offset);
  }

  private int line(int offset) {
    int i = Arrays.binarySearch(lineStarts, offset);
    return (i >= 0 ? i : -i - 2) + 1;
  }

  private static String unescape(String s) {
    return s.indexOf('\\') < 0 ? s : s.replaceAll("\\\\(.)", "$1");
  }

  /**
   * Blanks comments in {@code text} and comments plus string contents in {@code code} (quotes kept,
   * so a literal still shows where it is). Newlines stay, so lines are the file's.
   */
  private static void blank(char[] text, char[] code) {
    int i = 0;
    int n = text.length;
    while (i < n) {
      char ch = text[i];
      char next = i + 1 < n ? text[i + 1] : 0;
      if (ch == '/' && next == '/') {
        while (i < n && text[i] != '\n') {
          text[i] = ' ';
          code[i] = ' ';
          i++;
        }
      } else if (ch == '/' && next == '*') {
        while (i < n && !(text[i] == '*' && i + 1 < n && text[i + 1] == '/')) {
          if (text[i] != '\n') {
            text[i] = ' ';
            code[i] = ' ';
          }
          i++;
        }
        for (int k = 0; k < 2 && i < n; k++, i++) {
          text[i] = ' ';
          code[i] = ' ';
        }
      } else if (ch == '"' || ch == '\'') {
        i++;
        while (i < n && text[i] != ch && text[i] != '\n') {
          if (text[i] == '\\' && i + 1 < n) {
            code[i] = ' ';
            i++;
          }
          code[i] = ' ';
          i++;
        }
        i++;
      } else {
        i++;
      }
    }
  }
}
