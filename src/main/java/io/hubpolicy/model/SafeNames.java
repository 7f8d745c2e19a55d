package io.hubpolicy.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Kubernetes-safe names for JupyterHub user and server names, following KubeSpawner's "safe" slug
 * scheme (KubeSpawner 7+, KubeTemplateSpawner) so that the names and labels we compute are the ones
 * the hub itself writes.
 *
 * <p><b>Object names</b> ({@link #safeSlug}): a name that is already a valid DNS label ({@code
 * [a-z0-9-]}, starts with a letter, ends alphanumeric), fits the maximum length and contains no
 * {@code --} is used unchanged. Anything else becomes {@code extract(name, max - 11) + "---" + h},
 * where {@code h} is the first 8 hex digits of SHA-256 over the UTF-8 name and {@code extract}
 * lowercases, turns each run of characters outside {@code [a-z0-9]} into one {@code -}, trims
 * {@code -}, cuts to length and prefixes {@code x-} unless it starts with a letter ({@code x} if
 * nothing is left). Example: {@code user@email.com} becomes {@code user-email-com---0925f997}.
 *
 * <p><b>Label values</b> ({@link #labelValue}): the same rule with the label-value test ({@code
 * [A-Za-z0-9._-]}, starts and ends alphanumeric, at most 63) deciding what is kept, so {@code
 * Vpavlin} and {@code Alice.Smith} stay as they are. Names that fail the test (or contain {@code
 * --}) get the object-name fallback above, which is lowercase; e.g. {@code AbC.} becomes {@code
 * abc---dbe8c5d1}. This matches the {@code hub.jupyter.org/username} label KubeSpawner writes,
 * including its hashed length of 32 when no maximum is given. A fallback is always a valid label
 * value too, since it starts with a letter and ends with a hex digit. Deliberate differences: the
 * empty name gives {@code x---e3b0c442} rather than an empty value, so a label always identifies
 * something; and the validity test is ASCII-only, where KubeSpawner's case-insensitive check keeps
 * names such as {@code Dıana} that Kubernetes rejects.
 */
public final class SafeNames {
  /** KubeSpawner's length budget for a user or server slug. */
  public static final int DEFAULT_MAX_LENGTH = 48;

  private static final int MAX_NAME_LENGTH = 63;
  private static final int HASH_LENGTH = 8;
  // "---" plus the hash.
  private static final int SUFFIX_LENGTH = HASH_LENGTH + 3;
  // KubeSpawner calls safe_slug without max_length for labels, which hashes down to 32.
  private static final int LABEL_HASHED_LENGTH = 32;
  // KubeSpawner's multi_slug splits 48 - 9 evenly between the two names, less "--" for each.
  private static final int MULTI_PART_LENGTH = 17;

  private static final Pattern OBJECT_NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern NOT_LOWER_ALNUM = Pattern.compile("[^a-z0-9]+");

  private SafeNames() {}

  public static String safeSlug(String name) {
    return safeSlug(name, DEFAULT_MAX_LENGTH);
  }

  /**
   * @param maxLength between 12 (room for one character plus the hash suffix) and 63
   */
  public static String safeSlug(String name, int maxLength) {
    Objects.requireNonNull(name, "name");
    checkMaxLength(maxLength);
    if (keep(name, isValidObjectName(name), maxLength)) {
      return name;
    }
    return stripAndHash(name, maxLength);
  }

  /**
   * KubeSpawner's {@code {user_server}}: {@code user--server} from the two slugs when that fits in
   * 48, otherwise one slug of both names with a single hash over them.
   *
   * @param server the server name; null or empty for the default server
   */
  public static String userServerSlug(String user, String server) {
    Objects.requireNonNull(user, "user");
    String rawServer = server == null ? "" : server;
    String u = safeSlug(user);
    String s = rawServer.isEmpty() ? "" : safeSlug(rawServer);
    // KubeSpawner applies this test even without a server, so a 47- or 48-character user name
    // takes the combined form (ending "--x---<hash>"); we must name the same pod.
    if (u.length() + s.length() + 2 > DEFAULT_MAX_LENGTH) {
      return multiSlug(user, rawServer);
    }
    return s.isEmpty() ? u : u + "--" + s;
  }

  public static String labelValue(String name) {
    Objects.requireNonNull(name, "name");
    if (!name.isEmpty() && keep(name, isValidLabelValue(name), MAX_NAME_LENGTH)) {
      return name;
    }
    return stripAndHash(name, LABEL_HASHED_LENGTH);
  }

  /**
   * @param maxLength between 12 and 63; bounds both a value kept as is and a hashed one
   */
  public static String labelValue(String name, int maxLength) {
    Objects.requireNonNull(name, "name");
    checkMaxLength(maxLength);
    if (!name.isEmpty() && keep(name, isValidLabelValue(name), maxLength)) {
      return name;
    }
    return stripAndHash(name, maxLength);
  }

  /** A DNS label (RFC 1035, so also RFC 1123): what every Kubernetes object name accepts. */
  public static boolean isValidObjectName(String s) {
    return s != null && s.length() <= MAX_NAME_LENGTH && OBJECT_NAME.matcher(s).matches();
  }

  /** A Kubernetes label value; the empty string is one. */
  public static boolean isValidLabelValue(String s) {
    return s != null && s.length() <= MAX_NAME_LENGTH && LABEL_VALUE.matcher(s).matches();
  }

  private static boolean keep(String name, boolean valid, int maxLength) {
    // Escaped names always contain "---", so a kept name must not contain "--" or it could
    // collide with an escaped one (or with a user--server join).
    return valid && name.length() <= maxLength && !name.contains("--");
  }

  private static String stripAndHash(String name, int maxLength) {
    String h = hash(name.getBytes(StandardCharsets.UTF_8));
    return extract(name, maxLength - SUFFIX_LENGTH) + "---" + h;
  }

  private static String multiSlug(String user, String server) {
    byte[] u = user.getBytes(StandardCharsets.UTF_8);
    byte[] s = server.getBytes(StandardCharsets.UTF_8);
    // 0xFF never occurs in UTF-8, so ("ab", "c") and ("a", "bc") hash differently.
    byte[] joined = new byte[u.length + 1 + s.length];
    System.arraycopy(u, 0, joined, 0, u.length);
    joined[u.length] = (byte) 0xFF;
    System.arraycopy(s, 0, joined, u.length + 1, s.length);
    return extract(user, MULTI_PART_LENGTH)
        + "--"
        + extract(server, MULTI_PART_LENGTH)
        + "---"
        + hash(joined);
  }

  private static String extract(String name, int maxLength) {
    String s = NOT_LOWER_ALNUM.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("-");
    s = truncate(trimLeadingDashes(s), maxLength);
    s = trimTrailingDashes(s);
    if (!s.isEmpty() && !(s.charAt(0) >= 'a' && s.charAt(0) <= 'z')) {
      // Cutting after the prefix can leave a trailing '-'. KubeSpawner keeps it, and so do we:
      // the hash or "--" that follows keeps the whole name valid. Cutting the prefixed string
      // (KubeSpawner cuts only the rest) also holds the one-character budget of maxLength 12.
      s = truncate("x-" + s, maxLength);
    }
    return s.isEmpty() ? "x" : s;
  }

  private static String hash(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(digest, 0, HASH_LENGTH / 2);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE provides SHA-256", e);
    }
  }

  private static String trimLeadingDashes(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '-') {
      i++;
    }
    return s.substring(i);
  }

  private static String trimTrailingDashes(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '-') {
      end--;
    }
    return s.substring(0, end);
  }

  private static String truncate(String s, int maxLength) {
    return s.length() <= maxLength ? s : s.substring(0, maxLength);
  }

  private static void checkMaxLength(int maxLength) {
    if (maxLength < SUFFIX_LENGTH + 1 || maxLength > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "maxLength must be between " + (SUFFIX_LENGTH + 1) + " and 63: " + maxLength);
    }
  }
}
