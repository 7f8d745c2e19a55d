package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.ClusterObjects.Kind;
import io.hubpolicy.catalog.ListedObjects;
import io.hubpolicy.catalog.NodeCapacity;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.Texts;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@link ClusterObjects} from a directory of manifests ({@code hubpolicy lint --manifests DIR}):
 * the YAML or JSON files under it (recursively, alphabetically), each holding objects as {@code
 * kubectl get -o yaml} writes them, a {@code List} of them, or several documents. Secrets,
 * ConfigMaps, PersistentVolumeClaims, OpenShift Templates, ImageStreams and Nodes are read; other
 * kinds are ignored, and so are namespaces (the directory stands for the hub's namespace).
 *
 * <p>A kind counts as known only when the directory holds at least one object of it: a directory of
 * ImageStreams says nothing about Secrets, so no Secret is reported missing because of it.
 */
public final class ManifestObjects {
  private ManifestObjects() {}

  /** Reads {@code dir}; what cannot be read is added to {@code problems}. */
  public static ClusterObjects read(Path dir, List<Problem> problems) {
    ListedObjects objects = new ListedObjects("the manifests in " + dir);
    if (!Files.isDirectory(dir)) {
      problems.add(new Problem(dir.toString(), 0, "", "no such directory"));
      return objects;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files =
          walk.filter(f -> Files.isRegularFile(f) && ConfigSources.isConfigFile(f))
              .sorted()
              .toList();
    } catch (IOException | UncheckedIOException e) {
      problems.add(new Problem(dir.toString(), 0, "", "cannot list directory: " + e.getMessage()));
      return objects;
    }
    for (Path f : files) {
      String text;
      try {
        text = Texts.readUtf8(f);
      } catch (Texts.Unreadable e) {
        problems.add(e.problem());
        continue;
      }
      for (YNode doc : YamlReader.readAll(text, f.toString(), 0, problems)) {
        try {
          object(doc.plain(), objects);
        } catch (RuntimeException e) {
          problems.add(
              new Problem(
                  f.toString(), doc.line(), "", "not a Kubernetes object: " + e.getMessage()));
        }
      }
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  private static void object(Object o, ListedObjects objects) {
    if (!(o instanceof Map<?, ?> m)) {
      return;
    }
    Map<String, Object> map = (Map<String, Object>) m;
    String kind = String.valueOf(map.get("kind"));
    if (kind.equals("List") && map.get("items") instanceof List<?> items) {
      items.forEach(i -> object(i, objects));
      return;
    }
    String name =
        map.get("metadata") instanceof Map<?, ?> meta && meta.get("name") != null
            ? String.valueOf(meta.get("name"))
            : null;
    if (name == null) {
      return;
    }
    switch (kind) {
      case "Secret" -> objects.add(Kind.SECRET, name, keys(map, "data", "stringData"));
      case "ConfigMap" ->
          objects.addConfigMap(name, strings(map.get("data")), keys(map, "binaryData"));
      case "PersistentVolumeClaim" -> objects.add(Kind.PERSISTENT_VOLUME_CLAIM, name, Set.of());
      case "Template" -> objects.add(Kind.TEMPLATE, name, Set.of());
      case "ImageStream" ->
          objects.addImageStream(
              KubeJson.SERIALIZATION.convertValue(map, GenericKubernetesResource.class));
      case "Node" ->
          objects.addNode(NodeCapacity.of(KubeJson.SERIALIZATION.convertValue(map, Node.class)));
      default -> {}
    }
  }

  private static Set<String> keys(Map<String, Object> map, String... fields) {
    Set<String> keys = new TreeSet<>();
    for (String f : fields) {
      if (map.get(f) instanceof Map<?, ?> data) {
        data.keySet().forEach(k -> keys.add(String.valueOf(k)));
      }
    }
    return keys;
  }

  private static Map<String, String> strings(Object data) {
    Map<String, String> out = new LinkedHashMap<>();
    if (data instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    return out;
  }
}
