package io.hubpolicy.model;

/** Placeholder until the full KubeSpawner scheme lands. */
public final class SafeNames {
  private SafeNames() {}

  public static String labelValue(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    return s.isEmpty() ? "x" : s.length() > 63 ? s.substring(0, 63) : s;
  }
}
