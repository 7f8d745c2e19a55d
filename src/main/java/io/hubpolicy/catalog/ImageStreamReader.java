package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.model.NotebookImage;
import io.hubpolicy.model.NotebookImage.NameVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one ImageStream into catalog entries. Anything malformed becomes a warning naming the
 * stream (and tag and annotation) rather than an exception: one bad ImageStream must not take the
 * whole image list, and with it every spawn, down (old-system defect 11).
 */
final class ImageStreamReader {
  static final String IMAGE_LABEL = "opendatahub.io/notebook-image";
  static final String NAME_ANNOTATION = "opendatahub.io/notebook-image-name";
  static final String DESC_ANNOTATION = "opendatahub.io/notebook-image-desc";
  static final String URL_ANNOTATION = "opendatahub.io/notebook-image-url";
  static final String ORDER_ANNOTATION = "opendatahub.io/notebook-image-order";
  static final String SOFTWARE_ANNOTATION = "opendatahub.io/notebook-software";
  static final String DEPENDENCIES_ANNOTATION = "opendatahub.io/notebook-python-dependencies";
  static final String DEFAULT_ANNOTATION = "opendatahub.io/default-image";

  // The old system parsed these with Python's strtobool; keep accepting what it accepted.
  private static final Set<String> TRUE = Set.of("true", "yes", "y", "t", "on", "1");

  private static final JsonMapper JSON = JsonMapper.shared();

  /**
   * One listed tag. {@code tagDefault} and {@code streamDefault} are kept apart because a tag
   * annotation (current ODH manifests) is more specific than the stream-wide one (the old system).
   */
  record Entry(NotebookImage image, int tagPosition, boolean tagDefault, boolean streamDefault) {}

  private ImageStreamReader() {}

  static boolean isNotebookStream(GenericKubernetesResource stream) {
    Map<String, String> labels = stream.getMetadata().getLabels();
    return labels != null && "true".equals(labels.get(IMAGE_LABEL));
  }

  static boolean isTrue(String value) {
    return value != null && TRUE.contains(value.trim().toLowerCase(Locale.ROOT));
  }

  /** The stream's entries, one per imported spec tag; problems are appended to {@code warnings}. */
  static List<Entry> read(GenericKubernetesResource stream, List<String> warnings) {
    String name = stream.getMetadata().getName();
    Map<String, String> annotations = orEmpty(stream.getMetadata().getAnnotations());
    List<Map<String, Object>> specTags = maps(path(stream, "spec", "tags"));
    if (specTags.isEmpty()) {
      warnings.add(stream(name) + "has no tags in spec.tags; skipped");
      return List.of();
    }
    Map<String, String> imported = importedTags(stream);
    int order = order(name, annotations.get(ORDER_ANNOTATION), warnings);
    String repository = text(path(stream, "status", "dockerImageRepository"));
    boolean streamDefault = isTrue(annotations.get(DEFAULT_ANNOTATION));

    List<Entry> entries = new ArrayList<>();
    int importedCount = 0;
    for (int i = 0; i < specTags.size(); i++) {
      Map<String, Object> specTag = specTags.get(i);
      String tag = text(specTag.get("name"));
      if (tag == null || tag.isBlank()) {
        warnings.add(stream(name) + "spec.tags[" + i + "] has no name; skipped");
        continue;
      }
      if (!imported.containsKey(tag)) {
        continue;
      }
      importedCount++;
      Map<String, String> tagAnnotations = stringMap(specTag.get("annotations"));
      List<NameVersion> software =
          nameVersions(name, tag, SOFTWARE_ANNOTATION, tagAnnotations, warnings);
      List<NameVersion> dependencies =
          nameVersions(name, tag, DEPENDENCIES_ANNOTATION, tagAnnotations, warnings);
      if (software == null || dependencies == null) {
        continue;
      }
      String pullSpec = imported.get(tag);
      if (pullSpec == null && repository != null && !repository.isBlank()) {
        pullSpec = repository + ":" + tag;
      }
      NotebookImage image =
          new NotebookImage(
              name + ":" + tag,
              name,
              tag,
              annotations.getOrDefault(NAME_ANNOTATION, name),
              annotations.get(DESC_ANNOTATION),
              annotations.get(URL_ANNOTATION),
              order,
              software,
              dependencies,
              false,
              pullSpec);
      entries.add(
          new Entry(image, i, isTrue(tagAnnotations.get(DEFAULT_ANNOTATION)), streamDefault));
    }
    if (importedCount == 0) {
      warnings.add(stream(name) + "none of its tags has been imported (status.tags); skipped");
    }
    return entries;
  }

  private static String stream(String name) {
    return "ImageStream '" + name + "': ";
  }

  private static int order(String stream, String value, List<String> warnings) {
    if (value == null || value.isBlank()) {
      return NotebookImage.UNORDERED;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      warnings.add(
          stream(stream)
              + ORDER_ANNOTATION
              + " '"
              + value
              + "' is not an integer; listed after the ordered images");
      return NotebookImage.UNORDERED;
    }
  }

  /** Imported tag name to the pull spec of its newest image (null when the status has none). */
  private static Map<String, String> importedTags(GenericKubernetesResource stream) {
    Map<String, String> imported = new HashMap<>();
    for (Map<String, Object> statusTag : maps(path(stream, "status", "tags"))) {
      String tag = text(statusTag.get("tag"));
      if (tag == null) {
        continue;
      }
      List<Map<String, Object>> items = maps(statusTag.get("items"));
      // items are newest first, so the first is what the tag points at now.
      String reference = items.isEmpty() ? null : text(items.get(0).get("dockerImageReference"));
      imported.put(tag, reference == null || reference.isBlank() ? null : reference);
    }
    return imported;
  }

  /** The parsed list, an empty list when absent, or null (with a warning) when malformed. */
  private static List<NameVersion> nameVersions(
      String stream,
      String tag,
      String annotation,
      Map<String, String> annotations,
      List<String> warnings) {
    String value = annotations.get(annotation);
    if (value == null || value.isBlank()) {
      return List.of();
    }
    String problem;
    try {
      JsonNode root = JSON.readTree(value);
      List<NameVersion> result = new ArrayList<>();
      problem = root.isArray() ? null : "is not a JSON list";
      for (int i = 0; problem == null && i < root.size(); i++) {
        JsonNode item = root.get(i);
        JsonNode itemName = item.isObject() ? item.get("name") : null;
        JsonNode version = item.isObject() ? item.get("version") : null;
        if (itemName == null || !itemName.isValueNode() || itemName.asString().isBlank()) {
          problem = "entry " + i + " has no name";
        } else if (version != null && !version.isValueNode()) {
          problem = "entry " + i + " has a version that is not a string";
        } else {
          result.add(
              new NameVersion(
                  itemName.asString(),
                  version == null || version.isNull() ? "" : version.asString()));
        }
      }
      if (problem == null) {
        return result;
      }
    } catch (JacksonException e) {
      problem = "is not valid JSON (" + e.getOriginalMessage() + ")";
    }
    warnings.add(stream(stream) + "tag '" + tag + "': " + annotation + " " + problem + "; skipped");
    return null;
  }

  private static Object path(GenericKubernetesResource resource, String... keys) {
    Object current = resource.getAdditionalProperties();
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(Object value) {
    if (!(value instanceof List<?> list)) {
      return List.of();
    }
    List<Map<String, Object>> result = new ArrayList<>();
    for (Object item : list) {
      if (item instanceof Map<?, ?> map) {
        result.add((Map<String, Object>) map);
      }
    }
    return result;
  }

  private static Map<String, String> stringMap(Object value) {
    Map<String, String> result = new HashMap<>();
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> result.put(String.valueOf(k), text(v)));
    }
    return result;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
