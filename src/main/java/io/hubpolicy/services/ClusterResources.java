package io.hubpolicy.services;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few things the launcher asks of a cluster, for any kind it knows, in one namespace. The
 * fabric8 implementation lives in {@code kube}; keeping this narrow keeps the launch logic (order,
 * waiting, rollback) testable on its own.
 */
public interface ClusterResources {

  /** An object as stored, and whether this call created it (false: it replaced one). */
  record Applied(GenericKubernetesResource object, boolean created) {}

  /** Creates the object, or replaces the existing one at its current resourceVersion. */
  Applied apply(GenericKubernetesResource desired);

  /** Creates the object unless one of that name exists; returns what is stored. */
  Applied createIfAbsent(GenericKubernetesResource desired);

  /**
   * Replaces the object at its {@code metadata.resourceVersion}; empty when it changed since (a
   * conflict) or is gone, so that a caller acting on what it read never overwrites a newer write.
   */
  Optional<GenericKubernetesResource> replace(GenericKubernetesResource desired);

  Optional<GenericKubernetesResource> get(String apiVersion, String kind, String name);

  List<GenericKubernetesResource> list(String apiVersion, String kind, Map<String, String> labels);

  /** Deletes the object; false when it was already gone. */
  boolean delete(String apiVersion, String kind, String name);

  /** The namespace this works in. */
  String namespace();
}
