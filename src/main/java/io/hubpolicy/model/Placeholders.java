package io.hubpolicy.model;

import java.util.Set;

/**
 * KubeSpawner's {@code {username}} expansion, for env values, volume claim names and sub-paths,
 * labels and annotations: {@code {username}}, {@code {servername}} and {@code {user_server}} are
 * the safe slugs KubeSpawner writes (see {@link SafeNames}), {@code {unescaped_username}} and
 * {@code {unescaped_servername}} the names as the hub has them, {@code {userid}} the hub's user id.
 * {@code {{} and {@code }}} are a literal brace, as in Python's {@code str.format}. Anything else
 * in braces is an error when the configuration is loaded, never at a spawn.
 */
public final class Placeholders {
  public static final Set<String> NAMES =
      Set.of(
          "username",
          "unescaped_username",
          "servername",
          "unescaped_servername",
          "user_server",
          "userid");

  /** Who a decision is for, as the placeholders need it. */
  public record Values(String user, String server, Long userId) {
    String get(String name) {
      String s = server == null ? "" : server;
      return switch (name) {
        case "username" -> SafeNames.safeSlug(user);
        case "unescaped_username" -> user;
        case "servername" -> s.isEmpty() ? "" : SafeNames.safeSlug(s);
        case "unescaped_servername" -> s;
        case "user_server" -> SafeNames.userServerSlug(user, s);
        case "userid" -> {
          if (userId == null) {
            throw new InvalidRequestException(
                "userId",
                "the configuration uses {userid}, the hub's user id, and this request has no"
                    + " userId (the hub's hooks send it)");
          }
          yield Long.toString(userId);
        }
        default -> throw new IllegalArgumentException(name);
      };
    }
  }

  private Placeholders() {}

  /** Whether {@code text} has anything to expand (a brace); most values have none. */
  public static boolean has(String text) {
    return text != null && (text.indexOf('{') >= 0 || text.indexOf('}') >= 0);
  }

  /** What is wrong with the braces of {@code text} for expansion, or null when nothing is. */
  public static String problem(String text) {
    try {
      expand(text, null);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /**
   * {@code text} with its placeholders replaced; with {@code values} null, only checks.
   *
   * @throws IllegalArgumentException with a sentence, for a brace that is not a placeholder
   */
  public static String expand(String text, Values values) {
    if (!has(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        out.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
        out.append('}');
        i += 2;
      } else if (c == '{') {
        int end = text.indexOf('}', i);
        if (end < 0) {
          throw new IllegalArgumentException(
              "'{' at position " + (i + 1) + " is not closed; write {{ for a literal brace");
        }
        String name = text.substring(i + 1, end);
        if (!NAMES.contains(name)) {
          throw new IllegalArgumentException(
              "unknown placeholder {"
                  + name
                  + "} (known: "
                  + String.join(", ", new java.util.TreeSet<>(NAMES))
                  + "; write {{ and }} for literal braces)");
        }
        if (values != null) {
          out.append(values.get(name));
        }
        i = end + 1;
      } else if (c == '}') {
        throw new IllegalArgumentException(
            "'}' at position " + (i + 1) + " closes nothing; write }} for a literal brace");
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
