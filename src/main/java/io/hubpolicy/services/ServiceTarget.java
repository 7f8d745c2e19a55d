package io.hubpolicy.services;

import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SafeNames;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whose services these are: one user's server (the default server when {@code server} is empty) in
 * the namespace where its services live.
 */
public record ServiceTarget(String user, String server, String namespace) {
  public ServiceTarget {
    if (user == null || user.isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    server = server == null ? "" : server;
  }

  /** KubeSpawner's {@code {user_server}}: unique per user server, and part of every object name. */
  public String instance() {
    return SafeNames.userServerSlug(user, server);
  }

  public String userSlug() {
    return SafeNames.safeSlug(user);
  }

  /**
   * The names {@link #templateVariables} sets for every template; a service's {@code configuration}
   * may not redefine them.
   */
  public static final java.util.Set<String> RESERVED_VARIABLES =
      java.util.Set.of("user", "USERNAME", "username", "server", "namespace", "instance");

  /** What every template can use besides its service's {@code configuration}. */
  public Map<String, Object> templateVariables() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("user", userSlug());
    v.put("USERNAME", userSlug());
    v.put("username", user);
    v.put("server", server);
    v.put("namespace", namespace);
    v.put("instance", instance());
    return v;
  }
}
