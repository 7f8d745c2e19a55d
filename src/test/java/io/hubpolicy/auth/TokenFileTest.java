package io.hubpolicy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path tmp;

  @Test
  void oneTokenPerLineCommentsAndBlankLinesIgnored() throws Exception {
    Path f =
        Files.writeString(tmp.resolve("t"), "# rotated 2026-11-01\nold-token\n\n  new-token  \n");
    TokenFile tokens = TokenFile.read(f);
    assertEquals(List.of("old-token", "new-token"), tokens.current());
    assertTrue(tokens.accepts("old-token"));
    assertTrue(tokens.accepts("new-token"));
    assertFalse(tokens.accepts("# rotated 2026-11-01"));
    assertFalse(tokens.accepts("new-token "), "compared exactly");
    assertFalse(tokens.accepts("new"), "no prefix match");
    assertFalse(tokens.accepts(""));
    assertFalse(tokens.accepts(null));
  }

  @Test
  void aMissingOrEmptyFileIsRefusedNamingIt() throws Exception {
    Path missing = tmp.resolve("nope");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TokenFile.read(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    Path empty = Files.writeString(tmp.resolve("empty"), "# nothing\n\n");
    e = assertThrows(IllegalArgumentException.class, () -> TokenFile.read(empty));
    assertTrue(e.getMessage().contains("holds no token"), e.getMessage());
  }

  @Test
  void readOrCreateWritesARandomTokenOnlyTheOwnerCanRead() throws Exception {
    Path f = tmp.resolve("dir/hubpolicy.token");
    TokenFile.Created first = TokenFile.readOrCreate(f);
    assertTrue(first.created());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    String token = first.tokens().current().get(0);
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);

    TokenFile.Created again = TokenFile.readOrCreate(f);
    assertFalse(again.created(), "an existing file is read, never replaced");
    assertEquals(List.of(token), again.tokens().current());

    Path other = tmp.resolve("other.token");
    assertNotEquals(token, TokenFile.readOrCreate(other).tokens().current().get(0));
  }

  @Test
  void aChangedFileIsReReadAndAnEmptiedOneKeepsTheTokensReadBefore() throws Exception {
    Path f = Files.writeString(tmp.resolve("t"), "first\n");
    TokenFile tokens = TokenFile.read(f, Duration.ZERO);
    assertTrue(tokens.accepts("first"));

    Files.writeString(f, "first\nsecond\n");
    touch(f, 10);
    assertTrue(tokens.accepts("second"), "rotation: the new token works without a restart");
    assertTrue(tokens.accepts("first"), "and the old one until it is removed");

    Files.writeString(f, "second\n");
    touch(f, 20);
    assertFalse(tokens.accepts("first"), "a removed token is refused");

    Files.writeString(f, "");
    touch(f, 30);
    assertTrue(tokens.accepts("second"), "a half-written file does not lock the hub out");

    Files.delete(f);
    assertTrue(tokens.accepts("second"), "nor does a deleted one");
  }

  @Test
  void changesAreNotLookedForMoreOftenThanAsked() throws Exception {
    Path f = Files.writeString(tmp.resolve("t"), "first\n");
    TokenFile tokens = TokenFile.read(f, Duration.ofHours(1));
    Files.writeString(f, "second\n");
    touch(f, 10);
    assertFalse(tokens.accepts("second"));
    assertTrue(tokens.accepts("first"));
  }

  /** File systems with coarse time stamps would otherwise hide a change made in the same tick. */
  private static void touch(Path f, int seconds) throws Exception {
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(seconds)));
  }
}
