package io.hubpolicy.model;

import java.util.regex.Pattern;

/**
 * Images a user may type in although no list offers them, as KubeSpawner's {@code unlisted_choice}
 * with {@code validation_regex}: only those the whole pattern matches, only for the audience.
 */
public record UnlistedImages(Pattern pattern, Audience audience, String displayName) {
  public boolean allows(String image, String user, java.util.List<String> groups) {
    return image != null && pattern.matcher(image).matches() && audience.includes(user, groups);
  }
}
