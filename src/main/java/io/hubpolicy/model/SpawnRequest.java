package io.hubpolicy.model;

import java.util.List;

/**
 * What the hub asks about: who is spawning, with which image and size. {@code size} is null when no
 * size was chosen ("Default" and empty are normalised to null by the caller). {@code preferences}
 * are the user's saved choices (their own variables, a lower GPU count); never null. {@code gpu}
 * and {@code gpuType} are what the user chose on the spawn form for this spawn (null: not chosen; a
 * chosen count wins over a saved one). {@code server} is the named server, empty for the user's
 * default one; it names the services' objects and is audited, and never changes a decision. {@code
 * userId} is the hub's id of the user (KubeSpawner's {@code {userid}}), null when the caller did
 * not send it.
 */
public record SpawnRequest(
    String user,
    List<String> groups,
    String image,
    String size,
    UserPreferences preferences,
    Integer gpu,
    String gpuType,
    String server,
    Long userId) {
  public SpawnRequest {
    groups = groups == null ? List.of() : List.copyOf(groups);
    preferences = preferences == null ? UserPreferences.NONE : preferences;
    server = server == null ? "" : server;
  }

  public SpawnRequest(
      String user,
      List<String> groups,
      String image,
      String size,
      UserPreferences preferences,
      Integer gpu,
      String gpuType,
      String server) {
    this(user, groups, image, size, preferences, gpu, gpuType, server, null);
  }

  /** For the user's default server. */
  public SpawnRequest(
      String user,
      List<String> groups,
      String image,
      String size,
      UserPreferences preferences,
      Integer gpu,
      String gpuType) {
    this(user, groups, image, size, preferences, gpu, gpuType, "");
  }

  public SpawnRequest(
      String user, List<String> groups, String image, String size, UserPreferences preferences) {
    this(user, groups, image, size, preferences, null, null);
  }

  public SpawnRequest(String user, List<String> groups, String image, String size) {
    this(user, groups, image, size, UserPreferences.NONE);
  }

  public SpawnRequest withPreferences(UserPreferences p) {
    return new SpawnRequest(user, groups, image, size, p, gpu, gpuType, server, userId);
  }

  /** The same request with the form's GPU choices. */
  public SpawnRequest withGpu(Integer count, String type) {
    return new SpawnRequest(user, groups, image, size, preferences, count, type, server, userId);
  }

  /** The same request for a named server ({@code ""} or null: the default one). */
  public SpawnRequest withServer(String name) {
    return new SpawnRequest(user, groups, image, size, preferences, gpu, gpuType, name, userId);
  }

  /** The same request with the hub's user id (null: not sent). */
  public SpawnRequest withUserId(Long id) {
    return new SpawnRequest(user, groups, image, size, preferences, gpu, gpuType, server, id);
  }

  /** The GPU count the user asked for: chosen on the form, else saved; null for neither. */
  public Integer requestedGpu() {
    return gpu != null ? gpu : preferences.gpu();
  }
}
