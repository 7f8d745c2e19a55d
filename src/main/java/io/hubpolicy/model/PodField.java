package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.Arrays;
import java.util.Optional;

/**
 * The pod settings a profile or a size may set, with KubeSpawner's names and meaning, each with how
 * it merges under "the last match wins": a map per key, a list of named things by name, anything
 * else whole from the last writer. One table, so that a new field is one line here, one in {@code
 * PodSettingsApplier} (how it reaches the pod) and nothing else.
 */
public enum PodField {
  NODE_SELECTOR("node_selector", Merge.MAP, String.class),
  EXTRA_LABELS("extra_labels", Merge.MAP, String.class),
  EXTRA_ANNOTATIONS("extra_annotations", Merge.MAP, String.class),
  SERVICE_ACCOUNT("service_account", Merge.WHOLE, String.class),
  PRIORITY_CLASS_NAME("priority_class_name", Merge.WHOLE, String.class),
  IMAGE_PULL_SECRETS("image_pull_secrets", Merge.BY_NAME, LocalObjectReference.class),
  INIT_CONTAINERS("init_containers", Merge.BY_NAME, Container.class),
  EXTRA_CONTAINERS("extra_containers", Merge.BY_NAME, Container.class),
  UID("uid", Merge.WHOLE, Long.class),
  GID("gid", Merge.WHOLE, Long.class),
  FS_GID("fs_gid", Merge.WHOLE, Long.class),
  SUPPLEMENTAL_GIDS("supplemental_gids", Merge.WHOLE, Long.class),
  POD_SECURITY_CONTEXT("pod_security_context", Merge.WHOLE, PodSecurityContext.class),
  CONTAINER_SECURITY_CONTEXT("container_security_context", Merge.WHOLE, SecurityContext.class),
  LIFECYCLE_HOOKS("lifecycle_hooks", Merge.MAP, LifecycleHandler.class);

  /** How later writers combine with earlier ones. */
  public enum Merge {
    /** Per key: each key's value from its last writer. */
    MAP,
    /** A list of things with a name: each name's entry from its last writer, first order kept. */
    BY_NAME,
    /** The value as a whole from the last writer. */
    WHOLE
  }

  private final String key;
  private final Merge merge;
  private final Class<?> type;

  PodField(String key, Merge merge, Class<?> type) {
    this.key = key;
    this.merge = merge;
    this.type = type;
  }

  /** The configuration key, KubeSpawner's name. */
  public String key() {
    return key;
  }

  public Merge merge() {
    return merge;
  }

  /**
   * The type of a value (MAP: of each map value; BY_NAME: of each item; WHOLE: of the value, a list
   * of it for {@link #SUPPLEMENTAL_GIDS}).
   */
  public Class<?> type() {
    return type;
  }

  public static Optional<PodField> of(String key) {
    return Arrays.stream(values()).filter(f -> f.key.equals(key)).findFirst();
  }
}
