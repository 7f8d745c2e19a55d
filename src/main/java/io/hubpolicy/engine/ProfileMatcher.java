package io.hubpolicy.engine;

import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SpawnRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One profile's user and image conditions, prepared for fast checks, plus the sentence that says
 * why a request did not meet them.
 */
final class ProfileMatcher {
  final Profile profile;
  private final boolean everyone;
  private final Set<String> users;
  private final Set<String> groups;
  private final boolean anyImage;
  private final Set<String> exactImages = new HashSet<>();
  private final Set<String> imageNames = new HashSet<>();
  private final Pattern[] globs;

  ProfileMatcher(Profile p) {
    this.profile = p;
    this.everyone = p.appliesToEveryone();
    this.users = Set.copyOf(p.users());
    this.groups = Set.copyOf(p.groups());
    this.anyImage = p.images().isEmpty();
    List<Pattern> g = new java.util.ArrayList<>();
    for (String entry : p.images()) {
      if (entry.contains("*")) {
        g.add(glob(entry));
      } else if (ImageRef.hasTag(entry)) {
        exactImages.add(entry);
      } else {
        // An entry without a tag stands for every tag of that image, and for the image itself.
        exactImages.add(entry);
        imageNames.add(entry);
      }
    }
    this.globs = g.toArray(new Pattern[0]);
  }

  static Pattern glob(String entry) {
    StringBuilder re = new StringBuilder();
    String[] parts = entry.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      re.append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(re.toString());
  }

  boolean appliesToEveryone() {
    return everyone;
  }

  boolean userMatches(SpawnRequest r) {
    if (everyone || users.contains(r.user())) {
      return true;
    }
    for (String g : r.groups()) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  boolean imageMatches(SpawnRequest r) {
    return imageMatches(r.image(), r.image() == null ? null : ImageRef.nameWithoutTag(r.image()));
  }

  /** {@code name} is {@code image} without its tag, computed once per request by the caller. */
  boolean imageMatches(String image, String name) {
    if (anyImage) {
      return true;
    }
    if (image == null || image.isEmpty()) {
      return false;
    }
    if (exactImages.contains(image) || imageNames.contains(name)) {
      return true;
    }
    for (Pattern g : globs) {
      if (g.matcher(image).matches()) {
        return true;
      }
    }
    return false;
  }

  boolean matches(SpawnRequest r) {
    return userMatches(r) && imageMatches(r);
  }

  /** Why this profile does not apply to {@code r}, or null when it does. */
  String whyNot(SpawnRequest r) {
    StringBuilder why = new StringBuilder();
    if (!userMatches(r)) {
      why.append("user '").append(r.user()).append("' not in users ").append(profile.users());
      if (!profile.groups().isEmpty()) {
        why.append(" and none of the user's groups ")
            .append(r.groups())
            .append(" in groups ")
            .append(profile.groups());
      }
    }
    if (!imageMatches(r)) {
      if (why.length() > 0) {
        why.append("; ");
      }
      if (r.image() == null || r.image().isEmpty()) {
        why.append("no image given and the profile needs one of images ").append(profile.images());
      } else {
        why.append("image '")
            .append(r.image())
            .append("' matches none of images ")
            .append(profile.images());
      }
    }
    return why.length() == 0 ? null : why.toString();
  }
}
