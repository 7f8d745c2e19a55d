package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link PodField}s a profile, a size or a decision sets, and only those. Values are: for a
 * {@code MAP} field an ordered map of key to value, for a {@code BY_NAME} field a list of fabric8
 * objects with a name, for a {@code WHOLE} field the value itself. Like every Kubernetes object in
 * a profile they are shared and must not be changed.
 */
public final class PodSettings {
  public static final PodSettings NONE = new PodSettings(Map.of());

  private final Map<PodField, Object> values;

  public PodSettings(Map<PodField, Object> values) {
    EnumMap<PodField, Object> copy = new EnumMap<>(PodField.class);
    copy.putAll(values);
    this.values = Collections.unmodifiableMap(copy);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** The fields set, in the table's order. */
  public Map<PodField, Object> values() {
    return values;
  }

  public Object get(PodField f) {
    return values.get(f);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> map(PodField f) {
    Object v = values.get(f);
    return v == null ? Map.of() : (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  public List<Object> named(PodField f) {
    Object v = values.get(f);
    return v == null ? List.of() : (List<Object>) v;
  }

  /** The name a {@code BY_NAME} entry is merged by. */
  public static String nameOf(Object o) {
    if (o instanceof Container c) {
      return c.getName();
    }
    if (o instanceof LocalObjectReference r) {
      return r.getName();
    }
    throw new IllegalArgumentException("not a named entry: " + o);
  }

  /** A builder that merges as the decision does: per key, by name, or whole. */
  public static final class Merged {
    private final EnumMap<PodField, Object> values = new EnumMap<>(PodField.class);

    /** Puts one key of a MAP field, or one entry of a BY_NAME field (its name as the key). */
    @SuppressWarnings("unchecked")
    public void put(PodField f, String key, Object value) {
      switch (f.merge()) {
        case MAP, BY_NAME -> {
          Map<String, Object> m =
              (Map<String, Object>) values.computeIfAbsent(f, k -> new LinkedHashMap<>());
          m.put(key, value);
        }
        case WHOLE -> values.put(f, value);
      }
    }

    public PodSettings build() {
      Map<PodField, Object> out = new EnumMap<>(PodField.class);
      values.forEach(
          (f, v) -> {
            if (f.merge() == PodField.Merge.BY_NAME) {
              out.put(f, List.copyOf(((Map<?, ?>) v).values()));
            } else if (f.merge() == PodField.Merge.MAP) {
              out.put(f, Collections.unmodifiableMap(new LinkedHashMap<>((Map<?, ?>) v)));
            } else {
              out.put(f, v);
            }
          });
      return new PodSettings(out);
    }
  }

  @Override
  public String toString() {
    return "PodSettings" + values;
  }
}
