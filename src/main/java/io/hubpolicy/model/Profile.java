package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One profile from the configuration. {@code order} is its position across all sources (0 first);
 * it becomes the salience of its application, so that the last match wins.
 *
 * <p>Kubernetes parts are fabric8 model objects. They are shared by every decision and must be
 * treated as immutable: whoever needs to change one copies it first.
 *
 * <p>{@code protectedEnv} names the variables this profile marks {@code protected: true}: a user's
 * own variables cannot override them. {@code pod} holds the KubeSpawner pod settings it sets
 * ({@code node_selector}, {@code extra_labels}...).
 */
public record Profile(
    int order,
    String name,
    SourceRef source,
    List<String> users,
    List<String> groups,
    List<String> images,
    List<EnvVar> env,
    Map<String, Quantity> resources,
    List<Toleration> tolerations,
    NodeAffinity nodeAffinity,
    List<ProfileVolume> volumes,
    Integer gpu,
    Map<String, ServiceSpec> services,
    Set<String> protectedEnv,
    PodSettings pod) {
  public Profile {
    pod = pod == null ? PodSettings.NONE : pod;
    protectedEnv = protectedEnv == null ? Set.of() : Set.copyOf(protectedEnv);
    users = users == null ? List.of() : List.copyOf(users);
    groups = groups == null ? List.of() : List.copyOf(groups);
    images = images == null ? List.of() : List.copyOf(images);
    env = env == null ? List.of() : List.copyOf(env);
    // Copied once: a profile re-made at another position shares its maps (OrderedMaps).
    resources = resources == null ? Map.of() : OrderedMaps.copyOf(resources);
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    services = services == null ? Map.of() : OrderedMaps.copyOf(services);
  }

  public Profile(
      int order,
      String name,
      SourceRef source,
      List<String> users,
      List<String> groups,
      List<String> images,
      List<EnvVar> env,
      Map<String, Quantity> resources,
      List<Toleration> tolerations,
      NodeAffinity nodeAffinity,
      List<ProfileVolume> volumes,
      Integer gpu,
      Map<String, ServiceSpec> services,
      Set<String> protectedEnv) {
    this(
        order,
        name,
        source,
        users,
        groups,
        images,
        env,
        resources,
        tolerations,
        nodeAffinity,
        volumes,
        gpu,
        services,
        protectedEnv,
        PodSettings.NONE);
  }

  /** True when the profile names neither users nor groups, or lists {@code "*"}: everyone. */
  public boolean appliesToEveryone() {
    return (users.isEmpty() && groups.isEmpty()) || users.contains("*");
  }

  /** The same profile at another position in the configuration. */
  public Profile withOrder(int position) {
    return position == order
        ? this
        : new Profile(
            position,
            name,
            source,
            users,
            groups,
            images,
            env,
            resources,
            tolerations,
            nodeAffinity,
            volumes,
            gpu,
            services,
            protectedEnv,
            pod);
  }
}
