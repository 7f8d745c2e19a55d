package io.hubpolicy.services;

import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SafeNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whose services these are: one user's server (the default server when {@code server} is empty) in
 * the namespace where its services live, launched for the hub deployment {@code hubInstance}.
 *
 * <p>The template variables are KubeTemplateSpawner's ({@code userid}, {@code unescaped_username},
 * {@code unescaped_servername}, {@code escaped_username}, {@code escaped_servername}, {@code
 * escaped_user_server}, {@code namespace}, {@code instance}) plus the old system's ({@code user},
 * {@code USERNAME}, {@code username}, {@code server}).
 *
 * @param hubInstance the hub deployment's instance name: KubeTemplateSpawner's {@code
 *     instance_name}, the {@code instance} variable and the {@code app.kubernetes.io/instance}
 *     label
 * @param userId the hub's id of the user ({@code spawner.user.id}), or null when the caller did not
 *     send it: then the {@code userid} variable is undefined
 */
public record ServiceTarget(
    String user, String server, String namespace, String hubInstance, Long userId) {

  /**
   * The names {@link #templateVariables} sets for every template; a service's {@code configuration}
   * may not redefine them. {@code userid} is reserved even when it is not sent.
   */
  public static final Set<String> RESERVED_VARIABLES =
      Set.of(
          "user",
          "USERNAME",
          "username",
          "server",
          "namespace",
          "instance",
          "userid",
          "unescaped_username",
          "unescaped_servername",
          "escaped_username",
          "escaped_servername",
          "escaped_user_server");

  public ServiceTarget {
    if (user == null || user.isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    server = server == null ? "" : server;
    ServiceNames.checkHubInstance(hubInstance);
  }

  /** For tests and one-shot commands: KubeTemplateSpawner's default hub instance, no user id. */
  public ServiceTarget(String user, String server, String namespace) {
    this(user, server, namespace, ServiceNames.DEFAULT_HUB_INSTANCE, null);
  }

  /**
   * KubeSpawner's {@code {user_server}}, KubeTemplateSpawner's {@code escaped_user_server}: unique
   * per user server ({@code alice}, {@code alice--gpu}), and part of every object name.
   */
  public String userServer() {
    return SafeNames.userServerSlug(user, server);
  }

  /** {@code escaped_username}: the user's KubeSpawner safe slug. */
  public String userSlug() {
    return SafeNames.safeSlug(user);
  }

  /** {@code escaped_servername}: the server's safe slug, empty for the default server. */
  public String serverSlug() {
    return server.isEmpty() ? "" : SafeNames.safeSlug(server);
  }

  public Optional<Long> userIdIfSent() {
    return Optional.ofNullable(userId);
  }

  /** What every template can use besides its service's {@code configuration}. */
  public Map<String, Object> templateVariables() {
    Map<String, Object> v = new LinkedHashMap<>();
    // The old system's names, which its templates use.
    v.put("user", userSlug());
    v.put("USERNAME", userSlug());
    v.put("username", user);
    v.put("server", server);
    // KubeTemplateSpawner's.
    if (userId != null) {
      v.put("userid", userId);
    }
    v.put("unescaped_username", user);
    v.put("unescaped_servername", server);
    v.put("escaped_username", userSlug());
    v.put("escaped_servername", serverSlug());
    v.put("escaped_user_server", userServer());
    v.put("namespace", namespace);
    v.put("instance", hubInstance);
    return v;
  }

  /**
   * Reserved variables this target leaves undefined, with why, for the error of a template that
   * uses one.
   */
  public Map<String, String> unsetVariables() {
    return userId == null
        ? Map.of(
            "userid",
            "the hub did not send the user's id: request field userId, from spawner.user.id")
        : Map.of();
  }
}
