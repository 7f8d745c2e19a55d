package io.hubpolicy.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Service templates found among the configuration sources: ConfigMaps without a profile key (each
 * key a template, as the current service form refers to them) and OpenShift Templates (the classic
 * form), by name. Against a cluster the live objects take precedence; these make file mode work.
 */
public record ServiceTemplates(
    Map<String, Map<String, Text>> configMaps, Map<String, Text> openShiftTemplates) {

  /** A template's text and where it came from, for error messages. */
  public record Text(String source, String text) {}

  public ServiceTemplates {
    Map<String, Map<String, Text>> copy = new LinkedHashMap<>();
    configMaps.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    configMaps = Collections.unmodifiableMap(copy);
    openShiftTemplates = Collections.unmodifiableMap(new LinkedHashMap<>(openShiftTemplates));
  }

  public static ServiceTemplates none() {
    return new ServiceTemplates(Map.of(), Map.of());
  }

  public Optional<Text> configMapKey(String configMap, String key) {
    return Optional.ofNullable(configMaps.getOrDefault(configMap, Map.of()).get(key));
  }

  public Optional<Text> openShiftTemplate(String name) {
    return Optional.ofNullable(openShiftTemplates.get(name));
  }
}
