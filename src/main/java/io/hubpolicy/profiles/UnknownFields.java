package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds keys that fabric8 accepted into {@code additionalProperties}. fabric8 model classes never
 * reject an unknown key (a typo like {@code secretKeyRefs} would silently vanish), so after
 * converting a YAML subtree we look for what landed there and report it.
 */
final class UnknownFields {
  /** A path of segments (String keys, Integer list indexes) and the unknown key at its end. */
  record Unknown(List<Object> path, String key) {}

  private UnknownFields() {}

  static List<Unknown> find(Object root) {
    List<Unknown> out = new ArrayList<>();
    walk(root, new ArrayList<>(), out);
    return out;
  }

  private static void walk(Object o, List<Object> path, List<Unknown> out) {
    if (o == null) {
      return;
    }
    if (o instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        path.add(i);
        walk(list.get(i), path, out);
        path.remove(path.size() - 1);
      }
      return;
    }
    if (!(o instanceof KubernetesResource)) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra) {
          extra.keySet().forEach(k -> out.add(new Unknown(List.copyOf(path), String.valueOf(k))));
        }
        continue;
      }
      if (value instanceof KubernetesResource || value instanceof List<?>) {
        String name = m.getName().substring(3);
        path.add(Character.toLowerCase(name.charAt(0)) + name.substring(1));
        walk(value, path, out);
        path.remove(path.size() - 1);
      }
    }
  }
}
