package io.hubpolicy.model;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Immutable maps that keep their keys' order, copied the way {@link java.util.List#copyOf} copies:
 * a map this class made is returned as it is.
 *
 * <p>Why: a record such as {@link Profile} copies its maps in its constructor, and a profile
 * re-made at another position ({@link Profile#withOrder}) copied them again. An invalid edit of the
 * first of 10,000 profiles moves every later one up, so each rejected reload made 10,000 new maps
 * and their entries: more than half of its garbage, collected while requests were being answered
 * (issue 19, BENCHMARKS.md §3).
 */
public final class OrderedMaps {
  private OrderedMaps() {}

  /**
   * An unmodifiable copy of {@code map} in its iteration order; {@code map} itself when this method
   * made it. Null keys and values are kept, as {@link LinkedHashMap} keeps them.
   */
  @SuppressWarnings("unchecked")
  public static <K, V> Map<K, V> copyOf(Map<? extends K, ? extends V> map) {
    if (map instanceof Frozen<?, ?> frozen) {
      return (Map<K, V>) frozen;
    }
    return new Frozen<>(Collections.unmodifiableMap(new LinkedHashMap<>(map)));
  }

  /** A read-only view over a private copy; equality and hash codes are a map's. */
  private static final class Frozen<K, V> extends AbstractMap<K, V> {
    private final Map<K, V> map;

    Frozen(Map<K, V> map) {
      this.map = map;
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
      return map.entrySet();
    }

    @Override
    public int size() {
      return map.size();
    }

    @Override
    public boolean containsKey(Object key) {
      return map.containsKey(key);
    }

    @Override
    public V get(Object key) {
      return map.get(key);
    }

    @Override
    public Set<K> keySet() {
      return map.keySet();
    }

    @Override
    public Collection<V> values() {
      return map.values();
    }
  }
}
