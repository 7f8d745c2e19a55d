package io.hubpolicy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextsTest {
  /** Digesting a slice at a time gives the digest of the whole text's UTF-8 bytes. */
  @Test
  void aDigestBySlicesIsTheDigestOfTheWholeText() throws Exception {
    Random random = new Random(5);
    String[] pieces = {
      "a", "é", "€", "😀", "\n", "profiles:\n- name: x\n", "\u0000", "\uD800", "\uDC00"
    };
    for (int length : new int[] {0, 1, 8191, 8192, 8193, 20_000, 100_000}) {
      StringBuilder b = new StringBuilder();
      while (b.length() < length) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      // A surrogate pair across the first slice boundary, whatever came before.
      if (b.length() > 8200) {
        b.replace(8191, 8193, "😀");
      }
      String text = b.toString();
      MessageDigest sliced = MessageDigest.getInstance("SHA-256");
      Texts.digestUtf8(sliced, text);
      byte[] whole =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      assertArrayEquals(whole, sliced.digest(), "length " + length);
    }
  }

  /** ASCII takes a shortcut; what it gives, and what UTF-8 and bad bytes give, is unchanged. */
  @Test
  void decodingIsStrictWhateverTheBytes() throws Exception {
    assertEquals(
        "profiles: []\n", Texts.decode("a", "profiles: []\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals("name: é😀\n", Texts.decode("a", "name: é😀\n".getBytes(StandardCharsets.UTF_8)));
    Texts.Unreadable bad =
        assertThrows(
            Texts.Unreadable.class,
            () -> Texts.decode("a", new byte[] {'a', '\n', 'b', (byte) 0xff}));
    assertEquals(2, bad.problem().line());
  }

  /**
   * A file is read through the JDK's strict reader, which keeps an ASCII file's bytes as the
   * string's own; a bad byte is still named by line and column, as {@link Texts#decode} does.
   */
  @Test
  void aFileReadsStrictlyAndABadByteIsNamedByLineAndColumn(@TempDir Path dir) throws Exception {
    Path ascii = Files.writeString(dir.resolve("a.yaml"), "profiles:\n- name: a\n");
    assertEquals("profiles:\n- name: a\n", Texts.readUtf8(ascii));
    Path utf8 = Files.writeString(dir.resolve("u.yaml"), "name: é😀\n", StandardCharsets.UTF_8);
    assertEquals("name: é😀\n", Texts.readUtf8(utf8));

    Path bad = Files.write(dir.resolve("b.yaml"), new byte[] {'a', '\n', 'b', 'c', (byte) 0xff});
    Texts.Unreadable e = assertThrows(Texts.Unreadable.class, () -> Texts.readUtf8(bad));
    assertEquals(bad.toString(), e.problem().source());
    assertEquals(2, e.problem().line());
    assertTrue(e.problem().message().contains("byte 0xFF at column 3"), e.problem().message());

    // The first two bytes of a three-byte character, then the end of the file.
    Path cut = Files.write(dir.resolve("c.yaml"), new byte[] {'a', (byte) 0xe2, (byte) 0x82});
    Texts.Unreadable end = assertThrows(Texts.Unreadable.class, () -> Texts.readUtf8(cut));
    assertTrue(end.problem().message().contains("not valid UTF-8"), end.problem().message());

    Texts.Unreadable missing =
        assertThrows(Texts.Unreadable.class, () -> Texts.readUtf8(dir.resolve("none.yaml")));
    assertTrue(missing.problem().message().contains("no such file"), missing.problem().message());
  }
}
