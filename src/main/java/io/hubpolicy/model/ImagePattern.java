package io.hubpolicy.model;

import java.util.regex.Pattern;

/**
 * One image entry as profiles write them: an exact image ({@code nb:3.6}), an image without a tag
 * (every tag of it, and itself: {@code quay.io/odh/nb} matches {@code quay.io/odh/nb:2024.1} and
 * {@code ...@sha256:…}), or a glob with {@code *}.
 */
public final class ImagePattern {
  private final String entry;
  private final Pattern glob;
  private final boolean tagless;

  public ImagePattern(String entry) {
    this.entry = entry;
    this.glob = entry.contains("*") ? glob(entry) : null;
    this.tagless = glob == null && !ImageRef.hasTag(entry);
  }

  public String entry() {
    return entry;
  }

  public boolean isGlob() {
    return glob != null;
  }

  public boolean matches(String image) {
    if (image == null || image.isEmpty()) {
      return false;
    }
    if (glob != null) {
      return glob.matcher(image).matches();
    }
    return entry.equals(image) || (tagless && entry.equals(ImageRef.nameWithoutTag(image)));
  }

  private static Pattern glob(String entry) {
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

  @Override
  public String toString() {
    return entry;
  }
}
