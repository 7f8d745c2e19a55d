package io.hubpolicy.format;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

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

  /**
   * A mapping, in the order written, with each key's line. Kept in three arrays rather than two
   * hash maps: a large configuration has hundreds of thousands of small mappings, and this tree is
   * what a configuration costs to read.
   */
  final class YMap implements YNode {
    private final int line;
    private final String[] keys;
    private final YNode[] values;
    private final int[] keyLines;

    YMap(int line, String[] keys, YNode[] values, int[] keyLines) {
      this.line = line;
      this.keys = keys;
      this.values = values;
      this.keyLines = keyLines;
    }

    /** A mapping of these entries, each at the line {@code keyLines} gives (else its own). */
    public YMap(int line, Map<String, YNode> entries, Map<String, Integer> keyLines) {
      this.line = line;
      int n = entries.size();
      this.keys = new String[n];
      this.values = new YNode[n];
      this.keyLines = new int[n];
      int i = 0;
      for (Map.Entry<String, YNode> e : entries.entrySet()) {
        keys[i] = e.getKey();
        values[i] = e.getValue();
        this.keyLines[i] = keyLines.getOrDefault(e.getKey(), line);
        i++;
      }
    }

    @Override
    public int line() {
      return line;
    }

    private int index(String key) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i].equals(key)) {
          return i;
        }
      }
      return -1;
    }

    public YNode get(String key) {
      int i = index(key);
      return i < 0 ? null : values[i];
    }

    public int keyLine(String key) {
      int i = index(key);
      return i < 0 ? line : keyLines[i];
    }

    public int size() {
      return keys.length;
    }

    /** The entries in the order written (a read-only view). */
    public Map<String, YNode> entries() {
      return new View<>(values);
    }

    /** Each key's line (a read-only view). */
    public Map<String, Integer> keyLines() {
      Integer[] boxed = Arrays.stream(keyLines).boxed().toArray(Integer[]::new);
      return new View<>(boxed);
    }

    @Override
    public Object plain() {
      Map<String, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < keys.length; i++) {
        out.put(keys[i], values[i].plain());
      }
      return out;
    }

    @Override
    public String kind() {
      return "a mapping";
    }

    @Override
    public String toString() {
      return "YMap" + entries();
    }

    /** The keys with one value per key, in order; lookups are linear (mappings are small). */
    private final class View<V> extends AbstractMap<String, V> {
      private final V[] vals;

      View(V[] vals) {
        this.vals = vals;
      }

      @Override
      public V get(Object key) {
        int i = key instanceof String s ? index(s) : -1;
        return i < 0 ? null : vals[i];
      }

      @Override
      public boolean containsKey(Object key) {
        return key instanceof String s && index(s) >= 0;
      }

      @Override
      public Set<Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public int size() {
            return keys.length;
          }

          @Override
          public Iterator<Entry<String, V>> iterator() {
            return new Iterator<>() {
              private int i;

              @Override
              public boolean hasNext() {
                return i < keys.length;
              }

              @Override
              public Entry<String, V> next() {
                if (i >= keys.length) {
                  throw new NoSuchElementException();
                }
                int at = i++;
                return new SimpleImmutableEntry<>(keys[at], vals[at]);
              }
            };
          }
        };
      }
    }
  }

  /** Builds a {@link YMap} entry by entry. */
  final class Entries {
    private Entries() {}

    static final class Builder {
      private final List<String> keys = new ArrayList<>();
      private final List<YNode> values = new ArrayList<>();
      private int[] lines = new int[4];

      /** The line of {@code key} if it was put already, else 0. */
      int lineOf(String key) {
        int i = keys.indexOf(key);
        return i < 0 ? 0 : lines[i];
      }

      void put(String key, YNode value, int line) {
        if (keys.size() == lines.length) {
          lines = Arrays.copyOf(lines, lines.length * 2);
        }
        lines[keys.size()] = line;
        keys.add(key);
        values.add(value);
      }

      YMap build(int line) {
        int n = keys.size();
        return new YMap(
            line,
            keys.toArray(new String[n]),
            values.toArray(new YNode[n]),
            Arrays.copyOf(lines, n));
      }
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
