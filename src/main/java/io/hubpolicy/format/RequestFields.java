package io.hubpolicy.format;

import io.hubpolicy.model.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The fields of a request as they arrive at either edge (HTTP body, path or query; gRPC message;
 * the admission webhook's annotations), checked in one place before anything uses them: strings of
 * bounded length, without control characters (C0, DEL, C1, and the Unicode line and paragraph
 * separators) and without lone surrogates, mirroring what JupyterHub and Kubernetes accept. A
 * refusal is an {@link InvalidRequestException} naming the field; its message quotes the bad value
 * only after escaping and shortening it.
 *
 * <p>Invalid UTF-8 cannot reach these checks: request bodies are decoded strictly ({@link
 * JsonBodies#utf8}), gRPC's strings are checked by protobuf, and percent-encoded path and query
 * parts are decoded strictly by the HTTP edge.
 */
public final class RequestFields {
  /**
   * User, group and server names: JupyterHub stores each as {@code Unicode(255)} (its {@code
   * users.name}, {@code groups.name} and {@code spawners.name} columns), so a longer name is not
   * one the hub can have.
   */
  public static final int MAX_NAME = 255;

  /**
   * Groups of one user. JupyterHub has no limit; an Active Directory security token holds at most
   * 1,015 groups, and LDAP or OAuth group claims of real users stay far below that.
   */
  public static final int MAX_GROUPS = 1024;

  /**
   * An image reference: the reference grammar Kubernetes and container runtimes use
   * (distribution/reference) caps the name, registry included, at 255 characters and a tag at 128,
   * and the longest digest is {@code sha512:} and 128 hex digits; 255 + 1 + 128 + 1 + 135 = 520 is
   * the longest reference any runtime can pull.
   */
  public static final int MAX_IMAGE = 520;

  /** A size name: configuration names, as long as JupyterHub's names. */
  public static final int MAX_SIZE = 255;

  /** A lifecycle event or an {@code explain} level: short words. */
  public static final int MAX_WORD = 64;

  /**
   * Annotations of a pod, keys and values together, in bytes: Kubernetes refuses more ({@code
   * TotalAnnotationSizeLimitB}, 256 KiB), so a pod with more was never created by an API server.
   */
  public static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;

  /** GPUs one server may ask for: above any node, MIG and time-sliced replicas included. */
  public static final int MAX_GPU = 1024;

  /**
   * How decision ids look: {@code d-<time, base 36>-<random, hex>} today; any {@code d-} and
   * lowercase letters, digits and dashes, up to 64 characters, is looked up.
   */
  private static final Pattern DECISION_ID = Pattern.compile("d-[0-9a-z][0-9a-z-]{0,61}");

  private RequestFields() {}

  /** A JupyterHub user name: required, and one JupyterHub itself would accept. */
  public static String user(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(field, field + " is required");
    }
    text(value, field, MAX_NAME, "JupyterHub names are at most " + MAX_NAME + " characters");
    // JupyterHub's Authenticator.validate_username refuses both.
    if (value.indexOf('/') >= 0) {
      throw new InvalidRequestException(
          field, field + " " + quote(value) + " contains '/', which JupyterHub refuses in names");
    }
    if (!value.strip().equals(value)) {
      throw new InvalidRequestException(
          field,
          field + " " + quote(value) + " begins or ends with a space, which JupyterHub refuses");
    }
    return value;
  }

  /** The user's groups: at most {@link #MAX_GROUPS} names, none empty. */
  public static List<String> groups(List<String> values, String field) {
    if (values == null) {
      return List.of();
    }
    if (values.size() > MAX_GROUPS) {
      throw new InvalidRequestException(
          field,
          field + " has " + values.size() + " entries; at most " + MAX_GROUPS + " are accepted");
    }
    List<String> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      out.add(group(values.get(i), field, field + "[" + i + "]"));
    }
    return out;
  }

  /**
   * @param where how the message names the value, e.g. {@code groups[3]}
   */
  public static String group(String value, String field, String where) {
    if (value == null || value.isEmpty()) {
      throw new InvalidRequestException(field, where + " is empty; a group has a name");
    }
    return text(value, field, where, MAX_NAME, "JupyterHub names are at most " + MAX_NAME);
  }

  /** An image reference, or null when none was given. */
  public static String image(String value, String field) {
    return value == null
        ? null
        : text(value, field, MAX_IMAGE, "no image reference is longer than " + MAX_IMAGE);
  }

  /** A size name, or null when none was given. */
  public static String size(String value, String field) {
    return value == null
        ? null
        : text(value, field, MAX_SIZE, "size names are at most " + MAX_SIZE + " characters");
  }

  /** A named server's name ({@code ""} or null: the default server). */
  public static String server(String value, String field) {
    return value == null
        ? null
        : text(value, field, MAX_NAME, "JupyterHub names are at most " + MAX_NAME + " characters");
  }

  /** A short word from a fixed set (an event, an explain level), before it is looked up. */
  public static String word(String value, String field) {
    return value == null ? null : text(value, field, MAX_WORD, "no such word is that long");
  }

  /** A decision id, as the audit log has them. */
  public static String decisionId(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(field, field + " is required");
    }
    if (value.length() > 64 || !DECISION_ID.matcher(value).matches()) {
      throw new InvalidRequestException(
          field,
          field + " " + quote(value) + " is not a decision id (they look like d-lz4k2x1a-3f9c…)");
    }
    return value;
  }

  /** A string of at most {@code max} characters without control characters or lone surrogates. */
  public static String text(String value, String field, int max, String why) {
    return text(value, field, field, max, why);
  }

  private static String text(String value, String field, String where, int max, String why) {
    if (value.length() > max) {
      int characters = value.codePointCount(0, value.length());
      if (characters > max) {
        throw new InvalidRequestException(
            field, where + " is " + characters + " characters long; " + why);
      }
    }
    String problem = badCharacter(value);
    if (problem != null) {
      throw new InvalidRequestException(field, where + " " + problem);
    }
    return value;
  }

  /**
   * What is wrong with the characters of {@code s} for a name (a control character, a line break, a
   * lone surrogate), or null if nothing is.
   */
  public static String badCharacter(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return loneSurrogate(c, i);
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        return "contains the control character "
            + codePoint(c)
            + " at position "
            + (i + 1)
            + "; names are printable text";
      }
    }
    return null;
  }

  /**
   * What is wrong with {@code s} for any text of a request (a value in a pod, a variable's value):
   * a lone surrogate, which is not a character and cannot be written as UTF-8; or null.
   */
  public static String notUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return loneSurrogate(c, i);
      }
    }
    return null;
  }

  private static String loneSurrogate(char c, int i) {
    return "contains a lone surrogate "
        + codePoint(c)
        + " at position "
        + (i + 1)
        + ", which is not a character (half of a \\u escape pair?)";
  }

  private static String codePoint(int c) {
    return String.format("U+%04X", c);
  }

  /**
   * {@code s} fit to quote in a message or a log line: in single quotes, at most 64 characters,
   * control characters, quotes and backslashes escaped.
   */
  public static String quote(String s) {
    return s == null
        ? "null"
        : "'"
            + printable(s, 64, true)
            + "'"
            + (s.length() > 64 ? "… (" + s.length() + " characters)" : "");
  }

  /**
   * {@code s} fit for a log line: at most {@code max} characters (then "…"), control characters and
   * lone surrogates escaped, so that a request can neither forge nor break a line.
   */
  public static String printable(String s, int max) {
    return s == null ? "null" : printable(s, max, false) + (s.length() > max ? "…" : "");
  }

  private static String printable(String s, int max, boolean quotes) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < max; i++) {
      char c = s.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        b.append(c).append(s.charAt(++i));
      } else if (quotes && (c == '\'' || c == '\\')) {
        b.append('\\').append(c);
      } else if (Character.isISOControl(c)
          || Character.isSurrogate(c)
          || c == '\u2028'
          || c == '\u2029'
          || (!quotes && c == '\\')) {
        b.append(c == '\\' ? "\\\\" : String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
