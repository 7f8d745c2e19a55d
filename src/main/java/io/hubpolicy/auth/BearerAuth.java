package io.hubpolicy.auth;

import java.util.Locale;

/**
 * Checks an {@code Authorization} header against the configured tokens. Shared by the HTTP and gRPC
 * edges so that both accept and refuse exactly the same requests.
 */
public final class BearerAuth implements Authenticator {
  /** Why a request was refused; the text is safe to log and to send (it never holds a token). */
  public enum Verdict {
    OK(null),
    MISSING("no Authorization header; send 'Authorization: Bearer <token>'"),
    NOT_BEARER("the Authorization header is not of the form 'Bearer <token>'"),
    WRONG_TOKEN("the bearer token is not one hubpolicy accepts");

    private final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private final Tokens tokens;

  public BearerAuth(Tokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Verdict check(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return Verdict.MISSING;
    }
    String h = authorization.strip();
    int space = h.indexOf(' ');
    if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return Verdict.NOT_BEARER;
    }
    return tokens.accepts(h.substring(space + 1).strip()) ? Verdict.OK : Verdict.WRONG_TOKEN;
  }

  public String describe() {
    return tokens.describe();
  }
}
