package io.hubpolicy.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each rule is written ({@code file:line}), read from the DRL text, so that a decision can
 * say which line of which file set a field. Drools keeps a rule's resource but not its line, and a
 * scan of the text is exact for the {@code rule "Name"} headers that compiled.
 */
final class RuleLocations {
  private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;?");
  private static final Pattern RULE =
      Pattern.compile("^\\s*rule\\s+(?:\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|(\\w+))");

  /**
   * By package, then by rule name: looked up at every rule firing (the audit listener), so without
   * making a key string each time.
   */
  private final Map<String, Map<String, String>> byRule = new HashMap<>();

  private final java.util.Set<String> names = new java.util.HashSet<>();

  /** Adds every rule of one DRL source. */
  void add(String sourceName, String text) {
    String pkg = "";
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher p = PACKAGE.matcher(lines[i]);
      if (p.find()) {
        pkg = p.group(1);
        continue;
      }
      Matcher r = RULE.matcher(lines[i]);
      if (r.find()) {
        String name =
            r.group(1) != null ? r.group(1) : r.group(2) != null ? r.group(2) : r.group(3);
        byRule
            .computeIfAbsent(pkg, k -> new HashMap<>())
            .putIfAbsent(name, sourceName + ":" + (i + 1));
        names.add(name);
      }
    }
  }

  /** Whether some scanned source has a rule of this name, in any package. */
  boolean has(String name) {
    return names.contains(name);
  }

  /** {@code file:line} of a rule, or null for one not written in a scanned source. */
  String of(String pkg, String name) {
    Map<String, String> rules = byRule.get(pkg);
    return rules == null ? null : rules.get(name);
  }
}
