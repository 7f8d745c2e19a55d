package io.hubpolicy.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

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
}
