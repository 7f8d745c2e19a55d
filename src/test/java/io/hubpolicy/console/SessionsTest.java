package io.hubpolicy.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.auth.Tokens;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Signed sessions: what a cookie says, and every way one stops being valid. */
class SessionsTest {
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  static Tokens tokens(AtomicReference<List<String>> current) {
    return new Tokens() {
      @Override
      public List<String> current() {
        return current.get();
      }

      @Override
      public String describe() {
        return "test tokens";
      }
    };
  }

  @Test
  void aCookieSaysWhoAndHow() {
    Sessions s = new Sessions(Tokens.of("t1"), Clock.fixed(T0, ZoneOffset.UTC));
    Sessions.Session got = s.check(s.issue("ana|admin", "hub"));
    assertNotNull(got);
    assertEquals("ana|admin", got.name());
    assertEquals("hub", got.via());
    assertEquals(T0.plus(Sessions.TTL).getEpochSecond(), got.expiresAt());
  }

  @Test
  void anotherReplicaWithTheSameTokensAcceptsIt() {
    String cookie = new Sessions(Tokens.of("a", "b"), Clock.systemUTC()).issue("x", "token");
    assertNotNull(new Sessions(Tokens.of("b", "a"), Clock.systemUTC()).check(cookie));
  }

  @Test
  void rotatingTheTokensEndsTheSessions() {
    AtomicReference<List<String>> current = new AtomicReference<>(List.of("old", "new"));
    Sessions s = new Sessions(tokens(current), Clock.systemUTC());
    String cookie = s.issue("x", "token");
    assertNotNull(s.check(cookie));
    current.set(List.of("new"));
    assertNull(s.check(cookie));
  }

  @Test
  void anExpiredOrTamperedOrForeignCookieIsNone() {
    AtomicReference<Instant> now = new AtomicReference<>(T0);
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    Sessions s = new Sessions(Tokens.of("t"), clock);
    String cookie = s.issue("x", "token");
    now.set(T0.plus(Sessions.TTL).minusSeconds(1));
    assertNotNull(s.check(cookie));
    now.set(T0.plus(Sessions.TTL));
    assertNull(s.check(cookie), "expired");
    now.set(T0);
    int dot = cookie.indexOf('.');
    String otherName = new Sessions(Tokens.of("t"), clock).issue("admin", "token");
    assertNull(s.check(otherName.substring(0, otherName.indexOf('.')) + cookie.substring(dot)));
    assertNull(new Sessions(Tokens.of("u"), clock).check(cookie), "signed under other tokens");
    for (String junk : new String[] {null, "", ".", "abc", "%%%.%%%", "a".repeat(5000)}) {
      assertNull(s.check(junk), String.valueOf(junk));
    }
  }

  @Test
  void theFormTokenBelongsToItsSession() {
    Sessions s = new Sessions(Tokens.of("t"), Clock.systemUTC());
    Sessions.Session a = s.check(s.issue("x", "token"));
    Sessions.Session b = s.check(s.issue("x", "token"));
    assertNotEquals(s.csrf(a), s.csrf(b));
    assertTrue(s.csrfOk(a, s.csrf(a)));
    assertFalse(s.csrfOk(a, s.csrf(b)));
    assertFalse(s.csrfOk(a, null));
    assertFalse(s.csrfOk(a, ""));
  }
}
