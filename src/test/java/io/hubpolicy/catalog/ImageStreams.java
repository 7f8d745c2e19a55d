package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds ImageStreams as the cluster returns them (spec and status as plain maps). */
public final class ImageStreams {
  static final String REGISTRY = "image-registry.openshift-image-registry.svc:5000/ns/";

  private final String name;
  private final Map<String, String> labels = new LinkedHashMap<>();
  private final Map<String, String> annotations = new LinkedHashMap<>();
  private final List<Map<String, Object>> specTags = new ArrayList<>();
  private final List<Map<String, Object>> statusTags = new ArrayList<>();
  private boolean repository = true;

  private ImageStreams(String name) {
    this.name = name;
    labels.put("opendatahub.io/notebook-image", "true");
  }

  public static ImageStreams stream(String name) {
    return new ImageStreams(name);
  }

  public ImageStreams unlabelled() {
    labels.clear();
    return this;
  }

  public ImageStreams annotation(String key, String value) {
    annotations.put(key, value);
    return this;
  }

  public ImageStreams order(String order) {
    return annotation("opendatahub.io/notebook-image-order", order);
  }

  public ImageStreams noRepository() {
    repository = false;
    return this;
  }

  /** A spec tag that has been imported, with an image reference in status. */
  public ImageStreams tag(String tag, String... annotationPairs) {
    specTag(tag, annotationPairs);
    return imported(tag, "quay.io/org/" + name + "@sha256:" + tag.hashCode());
  }

  /** A spec tag that has not been imported (absent from status.tags). */
  public ImageStreams specTag(String tag, String... annotationPairs) {
    Map<String, Object> specTag = new LinkedHashMap<>();
    specTag.put("name", tag);
    Map<String, String> tagAnnotations = new LinkedHashMap<>();
    for (int i = 0; i + 1 < annotationPairs.length; i += 2) {
      tagAnnotations.put(annotationPairs[i], annotationPairs[i + 1]);
    }
    specTag.put("annotations", tagAnnotations);
    specTag.put("from", Map.of("kind", "DockerImage", "name", "quay.io/org/" + name + ":" + tag));
    specTags.add(specTag);
    return this;
  }

  /** A status tag; a null reference gives it no items. */
  public ImageStreams imported(String tag, String reference) {
    Map<String, Object> statusTag = new LinkedHashMap<>();
    statusTag.put("tag", tag);
    statusTag.put(
        "items",
        reference == null
            ? List.of()
            : List.of(Map.of("dockerImageReference", reference, "image", "sha256:x")));
    statusTags.add(statusTag);
    return this;
  }

  public Map<String, Object> status() {
    Map<String, Object> status = new LinkedHashMap<>();
    if (repository) {
      status.put("dockerImageRepository", REGISTRY + name);
    }
    status.put("tags", statusTags);
    return status;
  }

  public GenericKubernetesResource build() {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion("image.openshift.io/v1");
    resource.setKind("ImageStream");
    resource.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withLabels(new LinkedHashMap<>(labels))
            .withAnnotations(new LinkedHashMap<>(annotations))
            .build());
    resource.setAdditionalProperty("spec", Map.of("tags", specTags));
    resource.setAdditionalProperty("status", status());
    return resource;
  }
}
