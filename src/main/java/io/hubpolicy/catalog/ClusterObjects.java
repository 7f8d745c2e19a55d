package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a cluster holds that a configuration refers to, for checks that compare the two ({@code
 * hubpolicy lint --kube} or {@code --manifests DIR}): Secrets, ConfigMaps and their keys,
 * PersistentVolumeClaims, OpenShift Templates, ImageStreams and Nodes of one namespace. Read once,
 * then answered from memory.
 *
 * <p>A kind the reader could not list (forbidden, or not among the manifests) is not {@link #knows
 * known}: nothing is then said about its objects, so a check never reports an object missing that
 * it could not have seen.
 */
public interface ClusterObjects {
  /** The kinds a configuration can refer to. */
  enum Kind {
    SECRET("Secret"),
    CONFIG_MAP("ConfigMap"),
    PERSISTENT_VOLUME_CLAIM("PersistentVolumeClaim"),
    TEMPLATE("Template"),
    IMAGE_STREAM("ImageStream"),
    NODE("Node");

    private final String kubeKind;

    Kind(String kubeKind) {
      this.kubeKind = kubeKind;
    }

    /** As Kubernetes spells it, e.g. {@code PersistentVolumeClaim}. */
    public String kubeKind() {
      return kubeKind;
    }
  }

  /** Where the objects came from, for messages: {@code namespace jupyterhub at https://…}. */
  String describe();

  /** Whether objects of this kind were listed; when not, nothing is known about them. */
  boolean knows(Kind kind);

  /**
   * The keys of the named object's data ({@code data} and {@code binaryData} of a ConfigMap, {@code
   * data} and {@code stringData} of a Secret; none for other kinds), or empty when it does not
   * exist (or its kind is not known).
   */
  Optional<Set<String>> keys(Kind kind, String name);

  /** The {@code data} of every ConfigMap whose name starts with {@code prefix}, by name. */
  Map<String, Map<String, String>> configMapData(String prefix);

  /** The ImageStreams (empty when the kind is not known). */
  List<GenericKubernetesResource> imageStreams();

  /** The nodes (empty when the kind is not known). */
  List<NodeCapacity> nodes();
}
