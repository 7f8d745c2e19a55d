package io.hubpolicy.model;

import java.util.List;

/**
 * What the hub asks about: who is spawning, with which image and size. {@code size} is null when no
 * size was chosen ("Default" and empty are normalised to null by the caller). {@code preferences}
 * are the user's saved choices (their own variables, a lower GPU count); never null.
 */
public record SpawnRequest(
    String user, List<String> groups, String image, String size, UserPreferences preferences) {
  public SpawnRequest {
    groups = groups == null ? List.of() : List.copyOf(groups);
    preferences = preferences == null ? UserPreferences.NONE : preferences;
  }

  public SpawnRequest(String user, List<String> groups, String image, String size) {
    this(user, groups, image, size, UserPreferences.NONE);
  }

  public SpawnRequest withPreferences(UserPreferences p) {
    return new SpawnRequest(user, groups, image, size, p);
  }
}
