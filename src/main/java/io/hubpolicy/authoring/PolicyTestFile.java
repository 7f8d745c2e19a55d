package io.hubpolicy.authoring;

import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.Texts;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A policy test file, read strictly with lines: the configuration its cases run against, built into
 * a rule base, and the cases. The format is in {@code docs/policy-tests.md}.
 *
 * <p>{@code profiles:} and {@code rules:} name files or directories relative to the test file;
 * {@code rules:} adds DRL to the built-in rules, as {@code --rules} does. A {@code rules:} entry
 * that is not there is looked up in the built-in rules directory, which is how the tests in {@code
 * rules/tests} name {@code examples}.
 */
public record PolicyTestFile(Path path, RuleBase ruleBase, List<PolicyTestCase> cases) {
  static final Set<String> KEYS = Set.of("config", "profiles", "rules", "cases");

  /**
   * A file read: its tests, or the problems that keep it from running. Neither when the file was
   * found in a directory and is not a policy test (a YAML file without {@code cases:}).
   */
  public record Read(PolicyTestFile tests, List<Problem> problems) {
    public boolean notATest() {
      return tests == null && problems.isEmpty();
    }
  }

  /** A path as written in the file, and where. */
  private record Entry(String text, int line, String field) {}

  /**
   * Reads {@code path} and builds its configuration.
   *
   * @param builtinRules the built-in rules, which every test file's configuration includes
   * @param named whether the file was named (it must be a test) or found in a directory
   */
  public static Read read(Path path, Path builtinRules, boolean named) {
    String source = path.toString();
    String text;
    try {
      text = Texts.readUtf8(path);
    } catch (Texts.Unreadable e) {
      return new Read(null, List.of(e.problem()));
    }
    List<Problem> problems = new ArrayList<>();
    List<YNode> docs = YamlReader.readAll(text, source, 0, problems);
    if (!problems.isEmpty()) {
      return new Read(null, problems);
    }
    YMap top = docs.size() == 1 && docs.get(0) instanceof YMap m ? m : null;
    if (top == null || top.get("cases") == null) {
      if (!named) {
        return new Read(null, List.of());
      }
      int line = docs.isEmpty() ? 1 : docs.get(0).line();
      problems.add(
          new Problem(
              source,
              line,
              "",
              "a policy test file is one mapping with cases: (and config:, profiles:, rules:)"));
      return new Read(null, problems);
    }
    StrictReader r = new StrictReader(source, problems);
    r.unknownKeys(top, "", KEYS);
    Path dir = path.getParent() == null ? Path.of("") : path.getParent();
    List<ConfigSource> config = configuration(top, dir, r);
    List<RuleSource> rules = rules(top, dir, builtinRules, r);
    boolean configRead = problems.isEmpty();
    List<PolicyTestCase> cases = cases(top, r);
    if (configRead) {
      RuleBaseBuilder.Report report = new RuleBaseBuilder().check(config, rules);
      problems.addAll(report.problems());
      if (problems.isEmpty()) {
        return new Read(new PolicyTestFile(path, report.ruleBase(), cases), List.of());
      }
    }
    return new Read(null, problems);
  }

  /** {@code profiles:} (files first, in order), then the inline {@code config:}. */
  private static List<ConfigSource> configuration(YMap top, Path dir, StrictReader r) {
    List<ConfigSource> out = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (Entry e : entries(top, "profiles", r)) {
      Path p = dir.resolve(e.text()).normalize();
      if (Files.exists(p)) {
        files.add(p);
      } else {
        r.problem(e.line(), e.field(), "no such file or directory: " + p);
      }
    }
    out.addAll(ConfigSources.fromPaths(files, r.problems()));
    YNode inline = top.get("config");
    if (inline instanceof YScalar s && s.value() instanceof String yaml) {
      // A block (config: |) starts on the line after its indicator.
      out.add(new ConfigSource(r.source(), yaml, s.block() ? s.line() : s.line() - 1));
    } else if (inline != null && !StrictReader.isNull(inline)) {
      r.problem(
          inline.line(),
          "config",
          "must be the configuration as YAML text (config: |, then the YAML indented), found "
              + inline.kind());
    }
    if (top.get("profiles") == null && StrictReader.isNull(inline)) {
      r.problem(
          top.line(),
          "config",
          "a test file needs a configuration: config: (YAML text) or profiles: (files relative to"
              + " the test file)");
    }
    return out;
  }

  /** The built-in rules, then each {@code rules:} entry; each file once. */
  private static List<RuleSource> rules(YMap top, Path dir, Path builtinRules, StrictReader r) {
    List<Path> paths = new ArrayList<>();
    paths.add(builtinRules);
    for (Entry e : entries(top, "rules", r)) {
      Path p = dir.resolve(e.text()).normalize();
      if (!Files.exists(p) && !Path.of(e.text()).isAbsolute()) {
        Path builtin = builtinRules.resolve(e.text()).normalize();
        p = Files.exists(builtin) ? builtin : p;
      }
      if (Files.exists(p)) {
        paths.add(p);
      } else {
        r.problem(
            e.line(),
            e.field(),
            "no such file or directory: " + p + " (nor " + e.text() + " among the built-in rules)");
      }
    }
    Map<String, RuleSource> unique = new LinkedHashMap<>();
    for (RuleSource s : RuleSource.fromPaths(paths, r.problems())) {
      unique.putIfAbsent(key(s.name()), s);
    }
    return List.copyOf(unique.values());
  }

  private static String key(String name) {
    try {
      return Path.of(name).toAbsolutePath().normalize().toString();
    } catch (RuntimeException e) {
      return name;
    }
  }

  private static List<PolicyTestCase> cases(YMap top, StrictReader r) {
    YNode n = top.get("cases");
    if (!(n instanceof YList list)) {
      r.problem(n.line(), "cases", "must be a list of cases, found " + n.kind());
      return List.of();
    }
    if (list.items().isEmpty()) {
      r.problem(n.line(), "cases", "lists no case; a test file has at least one");
      return List.of();
    }
    List<PolicyTestCase> out = new ArrayList<>();
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < list.items().size(); i++) {
      String field = "cases[" + i + "]";
      PolicyTestCase c = PolicyTestCase.read(list.items().get(i), field, r);
      if (c == null) {
        continue;
      }
      Integer first = names.putIfAbsent(c.name(), c.line());
      if (first != null) {
        r.problem(
            c.line(),
            field + ".name",
            "another case has the name '" + c.name() + "' (line " + first + "); names are unique");
      }
      out.add(c);
    }
    return out;
  }

  /** A string or a list of strings, each with its line. */
  private static List<Entry> entries(YMap top, String key, StrictReader r) {
    YNode n = top.get(key);
    if (StrictReader.isNull(n)) {
      return List.of();
    }
    if (n instanceof YScalar s) {
      return List.of(new Entry(s.asText(), s.line(), key));
    }
    List<Entry> out = new ArrayList<>();
    if (n instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        YNode item = list.items().get(i);
        String field = key + "[" + i + "]";
        if (item instanceof YScalar s && !s.isNull() && !s.asText().isBlank()) {
          out.add(new Entry(s.asText(), s.line(), field));
        } else {
          r.problem(item.line(), field, "must be a path, found " + item.kind());
        }
      }
      return out;
    }
    r.problem(n.line(), key, "must be a path or a list of paths, found " + n.kind());
    return out;
  }
}
