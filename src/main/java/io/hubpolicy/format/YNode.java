package io.hubpolicy.format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML node that remembers the line it came from. The loader validates this tree rather than
 * plain maps so that every problem can name its line.
 */
public sealed interface YNode permits YNode.YMap, YNode.YList, YNode.YScalar {

  /** 1-based line in the file the node was read from. */
  int line();

  /** The node as plain Java values (maps, lists, strings, numbers, booleans, null). */
  Object plain();

  /** A short name for messages: "a mapping", "a list", "a string"... */
  String kind();

  record YMap(int line, Map<String, YNode> entries, Map<String, Integer> keyLines)
      implements YNode {
    public YNode get(String key) {
      return entries.get(key);
    }

    public int keyLine(String key) {
      return keyLines.getOrDefault(key, line);
    }

    @Override
    public Object plain() {
      Map<String, Object> out = new LinkedHashMap<>();
      entries.forEach((k, v) -> out.put(k, v.plain()));
      return out;
    }

    @Override
    public String kind() {
      return "a mapping";
    }
  }

  record YList(int line, List<YNode> items) implements YNode {
    @Override
    public Object plain() {
      List<Object> out = new ArrayList<>(items.size());
      items.forEach(i -> out.add(i.plain()));
      return out;
    }

    @Override
    public String kind() {
      return "a list";
    }
  }

  /** A scalar; {@code value} is typed by the YAML core schema, {@code text} is as written. */
  record YScalar(int line, Object value, String text, boolean block) implements YNode {
    @Override
    public Object plain() {
      return value;
    }

    public boolean isNull() {
      return value == null;
    }

    /** Scalars written as numbers or booleans, as text; null stays null. */
    public String asText() {
      return value == null ? null : text;
    }

    @Override
    public String kind() {
      if (value == null) {
        return "empty";
      }
      if (value instanceof String) {
        return "a string";
      }
      if (value instanceof Boolean) {
        return "a boolean";
      }
      return "a number";
    }
  }
}
