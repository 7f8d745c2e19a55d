package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@link ClusterObjects} held in memory, as a reader listed them: the one implementation both
 * readers build (the manifests directory and the API server), so they answer alike. Built once,
 * then read only.
 */
public final class ListedObjects implements ClusterObjects {
  private final String where;
  private final Set<Kind> known = EnumSet.noneOf(Kind.class);
  private final Map<Kind, Map<String, Set<String>>> objects = new EnumMap<>(Kind.class);
  private final Map<String, Map<String, String>> configMapData = new LinkedHashMap<>();
  private final List<GenericKubernetesResource> imageStreams = new ArrayList<>();
  private final List<NodeCapacity> nodes = new ArrayList<>();

  public ListedObjects(String where) {
    this.where = where;
  }

  /** Marks a kind as listed (possibly with no objects at all). */
  public ListedObjects listed(Kind kind) {
    known.add(kind);
    return this;
  }

  /** An object and its data keys; marks its kind as listed. */
  public ListedObjects add(Kind kind, String name, Set<String> keys) {
    listed(kind);
    objects
        .computeIfAbsent(kind, k -> new LinkedHashMap<>())
        .merge(
            name,
            Collections.unmodifiableSet(new TreeSet<>(keys)),
            (a, b) -> {
              Set<String> both = new TreeSet<>(a);
              both.addAll(b);
              return Collections.unmodifiableSet(both);
            });
    return this;
  }

  /** A ConfigMap with its data (its keys are added as well). */
  public ListedObjects addConfigMap(String name, Map<String, String> data, Set<String> binaryKeys) {
    Set<String> keys = new TreeSet<>(data.keySet());
    keys.addAll(binaryKeys);
    add(Kind.CONFIG_MAP, name, keys);
    configMapData.put(name, Collections.unmodifiableMap(new LinkedHashMap<>(data)));
    return this;
  }

  public ListedObjects addImageStream(GenericKubernetesResource stream) {
    listed(Kind.IMAGE_STREAM);
    imageStreams.add(stream);
    return this;
  }

  public ListedObjects addNode(NodeCapacity node) {
    listed(Kind.NODE);
    nodes.add(node);
    return this;
  }

  @Override
  public String describe() {
    return where;
  }

  @Override
  public boolean knows(Kind kind) {
    return known.contains(kind);
  }

  @Override
  public Optional<Set<String>> keys(Kind kind, String name) {
    return Optional.ofNullable(objects.getOrDefault(kind, Map.of()).get(name));
  }

  @Override
  public Map<String, Map<String, String>> configMapData(String prefix) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    configMapData.forEach(
        (name, data) -> {
          if (name.startsWith(prefix)) {
            out.put(name, data);
          }
        });
    return out;
  }

  @Override
  public List<GenericKubernetesResource> imageStreams() {
    return Collections.unmodifiableList(imageStreams);
  }

  @Override
  public List<NodeCapacity> nodes() {
    return Collections.unmodifiableList(nodes);
  }
}
