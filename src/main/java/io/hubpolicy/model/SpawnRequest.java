package io.hubpolicy.model;

import java.util.List;

/**
 * What the hub asks about: who is spawning, with which image and size. {@code size} is null when no
 * size was chosen ("Default" and empty are normalised to null by the caller).
 */
public record SpawnRequest(String user, List<String> groups, String image, String size) {
  public SpawnRequest {
    groups = groups == null ? List.of() : List.copyOf(groups);
  }
}
