package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Placeholders;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.PodSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KubeSpawner's pod settings in a profile or a size ({@link PodField}: {@code node_selector},
 * {@code extra_labels}, {@code init_containers}, {@code uid}…), each read into fabric8's type with
 * unknown keys reported, label and annotation values checked for placeholders.
 */
final class PodSettingsSchema {
  /** The keys, for the profile's and the size's key sets. */
  static final Set<String> KEYS;

  static {
    Set<String> keys = new LinkedHashSet<>();
    for (PodField f : PodField.values()) {
      keys.add(f.key());
    }
    KEYS = Set.copyOf(keys);
  }

  private static final Set<String> LIFECYCLE_HOOKS = Set.of("postStart", "preStop");

  private PodSettingsSchema() {}

  static PodSettings read(StrictReader in, YMap m, String field) {
    Map<PodField, Object> values = new LinkedHashMap<>();
    for (PodField f : PodField.values()) {
      YNode n = m.get(f.key());
      if (StrictReader.isNull(n)) {
        continue;
      }
      Object v = read(in, f, n, field + "." + f.key());
      if (v != null) {
        values.put(f, v);
      }
    }
    return values.isEmpty() ? PodSettings.NONE : new PodSettings(values);
  }

  private static Object read(StrictReader in, PodField f, YNode n, String field) {
    return switch (f.merge()) {
      case MAP -> map(in, f, n, field);
      case BY_NAME -> named(in, f, n, field);
      case WHOLE -> whole(in, f, n, field);
    };
  }

  private static Map<String, Object> map(StrictReader in, PodField f, YNode n, String field) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (f.type() == LifecycleHandler.class) {
      if (!(n instanceof YMap m)) {
        in.problem(n.line(), field, "must be a mapping of postStart/preStop, found " + n.kind());
        return null;
      }
      in.unknownKeys(m, field, LIFECYCLE_HOOKS);
      m.entries()
          .forEach(
              (k, v) -> {
                LifecycleHandler h = in.typed(v, field + "." + k, LifecycleHandler.class);
                if (h != null) {
                  out.put(k, h);
                }
              });
      return out;
    }
    Map<String, String> strings = in.stringMap(n, field);
    boolean expands = f == PodField.EXTRA_LABELS || f == PodField.EXTRA_ANNOTATIONS;
    if (expands && n instanceof YMap m) {
      strings.forEach(
          (k, v) -> {
            String problem = Placeholders.problem(v);
            if (problem != null) {
              in.problem(m.get(k).line(), field + "." + k, problem);
            }
          });
    }
    out.putAll(strings);
    return out;
  }

  private static List<Object> named(StrictReader in, PodField f, YNode n, String field) {
    if (!(n instanceof YList list)) {
      in.problem(n.line(), field, "must be a list, found " + n.kind());
      return null;
    }
    Map<String, Object> byName = new LinkedHashMap<>();
    for (int i = 0; i < list.items().size(); i++) {
      YNode item = list.items().get(i);
      String f2 = field + "[" + i + "]";
      Object v;
      if (f.type() == LocalObjectReference.class && item instanceof YScalar s && !s.isNull()) {
        v = new LocalObjectReference(s.asText()); // KubeSpawner takes bare names too
      } else {
        v = in.typed(item, f2, f.type());
      }
      if (v == null) {
        continue;
      }
      String name = PodSettings.nameOf(v);
      if (name == null || name.isBlank()) {
        in.problem(item.line(), f2 + ".name", "is required");
      } else if (byName.put(name, v) != null) {
        in.problem(item.line(), f2 + ".name", "'" + name + "' appears twice");
      }
    }
    return new ArrayList<>(byName.values());
  }

  private static Object whole(StrictReader in, PodField f, YNode n, String field) {
    if (f.type() == String.class) {
      if (n instanceof YScalar s && s.value() instanceof String text && !text.isBlank()) {
        return text;
      }
      in.problem(n.line(), field, "must be a non-empty string, found " + n.kind());
      return null;
    }
    if (f.type() == Long.class && f != PodField.SUPPLEMENTAL_GIDS) {
      return id(in, n, field);
    }
    if (f == PodField.SUPPLEMENTAL_GIDS) {
      if (!(n instanceof YList list)) {
        in.problem(n.line(), field, "must be a list of group ids, found " + n.kind());
        return null;
      }
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        Long id = id(in, list.items().get(i), field + "[" + i + "]");
        if (id != null) {
          ids.add(id);
        }
      }
      return List.copyOf(ids);
    }
    return in.typed(n, field, f.type());
  }

  /** A user or group id: a whole number from 0. */
  private static Long id(StrictReader in, YNode n, String field) {
    if (n instanceof YScalar s && s.value() instanceof Number num && !(num instanceof Double)) {
      try {
        long v = new java.math.BigDecimal(num.toString()).longValueExact();
        if (v >= 0) {
          return v;
        }
      } catch (ArithmeticException e) {
        // falls through to the problem
      }
    }
    in.problem(
        n.line(),
        field,
        "must be a whole number of 0 or more (a user or group id), found "
            + n.kind()
            + (n instanceof YScalar s ? " '" + s.text() + "'" : ""));
    return null;
  }
}
