package io.hubpolicy.audit;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the shared store is: {@code --audit-db} / {@code HUBPOLICY_AUDIT_DB} as libpq writes it
 * ({@code postgresql://user:password@host:5432/db?sslmode=require}, what a Secret usually holds) or
 * as JDBC does ({@code jdbc:postgresql://host/db?user=…&password=…}). The password is never logged:
 * {@link #toString} leaves it out.
 *
 * @param user null when the JDBC URL carries it
 * @param password null when the JDBC URL carries it
 */
public record DbUrl(String jdbc, String user, String password) {

  /**
   * @throws IllegalArgumentException saying what is wrong, without the password
   */
  public static DbUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("the database URL is empty");
    }
    String s = url.strip();
    if (s.startsWith("jdbc:postgresql:")) {
      return new DbUrl(s, null, null);
    }
    if (!s.startsWith("postgresql://") && !s.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "the database URL must begin with postgresql:// (libpq) or jdbc:postgresql://; got one"
              + " beginning '"
              + s.substring(0, Math.max(0, Math.min(s.indexOf(':') + 1, 16)))
              + "'");
    }
    URI u;
    try {
      u = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the database URL is not a URL (a password with @ / : # ? must be %-encoded)");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException("the database URL names no host");
    }
    String user = null;
    String password = null;
    String info = u.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    String db = u.getRawPath() == null || u.getRawPath().length() <= 1 ? "" : u.getRawPath();
    String jdbc =
        "jdbc:postgresql://"
            + u.getHost()
            + (u.getPort() > 0 ? ":" + u.getPort() : "")
            + (db.isEmpty() ? "/" : db)
            + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    return new DbUrl(jdbc, user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    String j = jdbc.replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    return j + (user == null ? "" : " as " + user);
  }
}
