package io.hubpolicy.profiles;

/**
 * Text to read profiles from and the name to report problems against: a file path, or a ConfigMap's
 * namespace/name and key. {@code lineOffset} is added to every reported line.
 */
public record ConfigSource(String name, String text, int lineOffset) {
  public ConfigSource(String name, String text) {
    this(name, text, 0);
  }
}
