package io.hubpolicy.model;

import java.util.List;

/**
 * What a user may choose for themselves and nothing more: the last image and size, a GPU count no
 * higher than their profiles grant, and their own variables. Anything privileged (resources,
 * volumes, tolerations, services) is not representable here, by design.
 */
public record UserPreferences(String image, String size, Integer gpu, List<UserVariable> env) {
  public static final UserPreferences NONE = new UserPreferences(null, null, null, List.of());

  public UserPreferences {
    env = env == null ? List.of() : List.copyOf(env);
  }

  public boolean isEmpty() {
    return image == null && size == null && gpu == null && env.isEmpty();
  }
}
