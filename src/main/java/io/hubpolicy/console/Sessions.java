package io.hubpolicy.console;

import io.hubpolicy.auth.Tokens;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Console sessions as signed cookies, kept by the browser and by no replica: any replica that holds
 * the same bearer tokens accepts a session another one issued (the shipped deployment runs two
 * behind one Service, without session affinity).
 *
 * <p>The signing key is derived from the bearer tokens valid now, so rotating the tokens (removing
 * one) also ends every console session made under it. A cookie holds who, how they logged in, when
 * it expires and a random nonce; the form token of the session's POSTs is a second MAC of that
 * nonce, so a page can carry it and a forged cross-site form cannot.
 */
final class Sessions {
  static final String COOKIE = "hubpolicy_console";

  /** How long a login lasts. */
  static final Duration TTL = Duration.ofHours(8);

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Tokens tokens;
  private final Clock clock;

  Sessions(Tokens tokens, Clock clock) {
    this.tokens = tokens;
    this.clock = clock;
  }

  /** A valid session: who, how ({@code token} or {@code hub}), and its nonce. */
  record Session(String name, String via, long expiresAt, String nonce) {}

  /** A new session's cookie value. */
  String issue(String name, String via) {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    long expires = clock.instant().plus(TTL).getEpochSecond();
    String payload = "v1|" + via + "|" + expires + "|" + B64.encodeToString(n) + "|" + b64(name);
    return b64(payload) + "." + B64.encodeToString(mac("session|" + payload));
  }

  /** The session a cookie value stands for, or null when it is absent, forged or expired. */
  Session check(String cookie) {
    if (cookie == null || cookie.length() > 4096) {
      return null;
    }
    int dot = cookie.indexOf('.');
    if (dot < 0) {
      return null;
    }
    try {
      String payload = new String(B64D.decode(cookie.substring(0, dot)), StandardCharsets.UTF_8);
      byte[] sig = B64D.decode(cookie.substring(dot + 1));
      if (!MessageDigest.isEqual(sig, mac("session|" + payload))) {
        return null;
      }
      String[] f = payload.split("\\|", 5);
      if (f.length != 5 || !f[0].equals("v1")) {
        return null;
      }
      long expires = Long.parseLong(f[2]);
      if (clock.instant().getEpochSecond() >= expires) {
        return null;
      }
      return new Session(
          new String(B64D.decode(f[4]), StandardCharsets.UTF_8), f[1], expires, f[3]);
    } catch (IllegalArgumentException e) {
      return null; // not base64, not a number: not a cookie this class made
    }
  }

  /** The form token of a session's POSTs. */
  String csrf(Session s) {
    return B64.encodeToString(mac("csrf|" + s.nonce()));
  }

  /** Whether a POST's form token is its session's, compared in constant time. */
  boolean csrfOk(Session s, String presented) {
    return presented != null
        && MessageDigest.isEqual(
            presented.getBytes(StandardCharsets.UTF_8), csrf(s).getBytes(StandardCharsets.UTF_8));
  }

  /** A random value for the OAuth state. */
  static String random() {
    byte[] n = new byte[24];
    RANDOM.nextBytes(n);
    return B64.encodeToString(n);
  }

  private static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** HMAC-SHA256 under a key derived from the tokens valid now. */
  private byte[] mac(String text) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key(), "HmacSHA256"));
      return m.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private byte[] key() throws GeneralSecurityException {
    List<String> current = new ArrayList<>(tokens.current());
    current.sort(null);
    Mac m = Mac.getInstance("HmacSHA256");
    m.init(
        new SecretKeySpec(
            "hubpolicy console session key v1".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return m.doFinal(String.join("\n", current).getBytes(StandardCharsets.UTF_8));
  }
}
