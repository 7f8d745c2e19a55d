package io.hubpolicy.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds keys that fabric8 accepted into {@code additionalProperties}. fabric8 model classes never
 * reject an unknown key (a typo like {@code secretKeyRefs} would silently vanish), so after
 * converting a YAML subtree we look for what landed there and report it, naming the type that holds
 * it (e.g. {@code SecretKeySelector}, not the outer {@code EnvVarSource}) and its keys.
 */
final class UnknownFields {
  /**
   * A path of segments (String keys, Integer list indexes), the unknown key at its end, and the
   * model type it was found in.
   */
  record Unknown(List<Object> path, String key, Class<?> type) {
    /** The keys that type does know, in its documented order. */
    List<String> knownKeys() {
      return UnknownFields.knownKeys(type);
    }
  }

  private UnknownFields() {}

  static List<Unknown> find(Object root) {
    List<Unknown> out = new ArrayList<>();
    walk(root, new ArrayList<>(), out);
    return out;
  }

  /**
   * The JSON property names of a fabric8 model class: its {@code @JsonPropertyOrder}, else the
   * {@code @JsonProperty} fields; {@code additionalProperties} is never one.
   */
  static List<String> knownKeys(Class<?> type) {
    JsonPropertyOrder order = type.getAnnotation(JsonPropertyOrder.class);
    if (order != null && order.value().length > 0) {
      return Arrays.stream(order.value()).filter(k -> !k.equals("additionalProperties")).toList();
    }
    TreeSet<String> keys = new TreeSet<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        JsonProperty p = f.getAnnotation(JsonProperty.class);
        if (p != null && !p.value().isEmpty()) {
          keys.add(p.value());
        }
      }
    }
    return List.copyOf(keys);
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
          extra
              .keySet()
              .forEach(
                  k -> out.add(new Unknown(List.copyOf(path), String.valueOf(k), o.getClass())));
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
