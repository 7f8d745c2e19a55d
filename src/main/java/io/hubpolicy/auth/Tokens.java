package io.hubpolicy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The bearer tokens a caller may present. Several may be valid at once, so that a token can be
 * rotated without a moment where the hub holds one hubpolicy refuses.
 */
public interface Tokens {
  /** The tokens valid now; never empty once the source has been read successfully. */
  List<String> current();

  /** Where the tokens come from, for logs (never the tokens themselves). */
  String describe();

  /** Whether {@code presented} is one of the current tokens, compared in constant time. */
  default boolean accepts(String presented) {
    if (presented == null || presented.isEmpty()) {
      return false;
    }
    byte[] p = presented.getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (String t : current()) {
      // No early exit: the time taken does not say which token, or how much of it, matched.
      ok |= MessageDigest.isEqual(p, t.getBytes(StandardCharsets.UTF_8));
    }
    return ok;
  }

  /** Fixed tokens (tests, embedding). */
  static Tokens of(String... tokens) {
    List<String> list = List.of(tokens);
    return new Tokens() {
      @Override
      public List<String> current() {
        return list;
      }

      @Override
      public String describe() {
        return list.size() + " fixed token(s)";
      }
    };
  }

  /**
   * The tokens in a file or Secret value: one per line; blank lines and lines starting with {@code
   * #} are ignored.
   */
  static List<String> parse(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }
}
