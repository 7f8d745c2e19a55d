package io.hubpolicy.format;

import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Problem;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a YAML tree strictly against one source: unknown keys, wrong types, missing fields and
 * Kubernetes objects that do not convert are reported with their line and field path, and reading
 * goes on, so one run reports every problem. Each schema keeps its own key set beside its reader
 * and asks {@link #unknownKeys} to check it; this class knows no schema.
 */
public final class StrictReader {
  private final String source;
  private final List<Problem> problems;

  public StrictReader(String source, List<Problem> problems) {
    this.source = source;
    this.problems = problems;
  }

  /** The same reader reporting against another source name (YAML nested in a ConfigMap). */
  public StrictReader withSource(String name) {
    return new StrictReader(name, problems);
  }

  public String source() {
    return source;
  }

  public List<Problem> problems() {
    return problems;
  }

  public void problem(int line, String field, String message) {
    problems.add(new Problem(source, line, field, message));
  }

  /** A mark to ask {@link #cleanSince} whether anything was reported after it. */
  public int mark() {
    return problems.size();
  }

  public boolean cleanSince(int mark) {
    return problems.size() == mark;
  }

  /** {@code prefix.key}, or {@code key} at the top. */
  public static String path(String prefix, String key) {
    return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
  }

  public static boolean isNull(YNode n) {
    return n == null || (n instanceof YScalar s && s.isNull());
  }

  /** Reports every key of {@code m} that is not in {@code known}, listing the known ones. */
  public void unknownKeys(YMap m, String field, Set<String> known) {
    for (String key : m.entries().keySet()) {
      if (!known.contains(key)) {
        problem(m.keyLine(key), path(field, key), unknownKey(key, known));
      }
    }
  }

  public static String unknownKey(String key, Collection<String> known) {
    return "unknown key '"
        + key
        + "' (known keys: "
        + String.join(", ", new TreeSet<>(known))
        + ")";
  }

  /** The mapping at {@code n}, or null after reporting what was found instead. */
  public YMap map(YNode n, String field, String what) {
    if (n instanceof YMap m) {
      return m;
    }
    problem(n.line(), field, what + " must be a mapping, found " + n.kind());
    return null;
  }

  public String requiredString(YMap m, String key, String field) {
    YNode n = m.get(key);
    if (isNull(n)) {
      problem(m.line(), path(field, key), "is required");
      return null;
    }
    return nonEmptyString(n, path(field, key));
  }

  /** The string at {@code m.key}, null when absent. */
  public String optionalString(YMap m, String key, String field) {
    YNode n = m.get(key);
    return isNull(n) ? null : nonEmptyString(n, path(field, key));
  }

  private String nonEmptyString(YNode n, String field) {
    if (!(n instanceof YScalar s) || s.asText().isBlank()) {
      problem(n.line(), field, "must be a non-empty string, found " + n.kind());
      return null;
    }
    return s.asText();
  }

  public List<String> stringList(YMap m, String key, String field) {
    YNode n = m.get(key);
    if (isNull(n)) {
      return List.of();
    }
    if (!(n instanceof YList list)) {
      problem(n.line(), path(field, key), "must be a list of strings, found " + n.kind());
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      YNode item = list.items().get(i);
      if (item instanceof YScalar s && !s.isNull()) {
        out.add(s.asText());
      } else {
        problem(
            item.line(),
            path(field, key) + "[" + i + "]",
            "must be a string, found " + item.kind());
      }
    }
    return out;
  }

  public Map<String, String> stringMap(YNode n, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    if (isNull(n)) {
      return out;
    }
    if (!(n instanceof YMap m)) {
      problem(n.line(), field, "must be a mapping of strings, found " + n.kind());
      return out;
    }
    m.entries()
        .forEach(
            (k, v) -> {
              if (v instanceof YScalar s && !s.isNull()) {
                out.put(k, s.asText());
              } else {
                problem(v.line(), path(field, k), "must be a string, found " + v.kind());
              }
            });
    return out;
  }

  /** {@code true}/{@code false}, or {@code fallback} when absent. */
  public boolean bool(YNode n, String field, boolean fallback) {
    if (isNull(n)) {
      return fallback;
    }
    if (n instanceof YScalar s && s.value() instanceof Boolean b) {
      return b;
    }
    problem(n.line(), field, "must be true or false, found " + n.kind());
    return fallback;
  }

  public <T> List<T> typedList(YNode n, String field, Class<T> type) {
    if (isNull(n)) {
      return List.of();
    }
    if (!(n instanceof YList list)) {
      problem(n.line(), field, "must be a list, found " + n.kind());
      return List.of();
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      T t = typed(list.items().get(i), field + "[" + i + "]", type);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Converts a subtree to a fabric8 model class. fabric8 keeps unknown keys instead of refusing
   * them, so each one found afterwards is reported at its own line, naming the type it is not a key
   * of and the keys that type has.
   */
  public <T> T typed(YNode n, String field, Class<T> type) {
    if (isNull(n)) {
      return null;
    }
    if (!(n instanceof YMap)) {
      problem(
          n.line(), field, "must be a mapping (" + type.getSimpleName() + "), found " + n.kind());
      return null;
    }
    T value;
    try {
      value = KubeJson.SERIALIZATION.convertValue(n.plain(), type);
    } catch (RuntimeException e) {
      problem(n.line(), field, "is not a valid " + type.getSimpleName() + ": " + Words.of(e));
      return null;
    }
    List<UnknownFields.Unknown> unknown = UnknownFields.find(value);
    for (UnknownFields.Unknown u : unknown) {
      YNode at = n;
      StringBuilder p = new StringBuilder(field);
      for (Object seg : u.path()) {
        p.append(seg instanceof Integer i ? "[" + i + "]" : "." + seg);
        at = step(at, seg);
      }
      int line = at instanceof YMap m ? m.keyLine(u.key()) : n.line();
      problem(
          line,
          p + "." + u.key(),
          "unknown key '"
              + u.key()
              + "' for "
              + u.type().getSimpleName()
              + " (known keys: "
              + String.join(", ", u.knownKeys())
              + ")");
    }
    return unknown.isEmpty() ? value : null;
  }

  private static YNode step(YNode at, Object seg) {
    if (at instanceof YMap m && seg instanceof String s && m.get(s) != null) {
      return m.get(s);
    }
    if (at instanceof YList l && seg instanceof Integer i && i < l.items().size()) {
      return l.items().get(i);
    }
    return at;
  }
}
