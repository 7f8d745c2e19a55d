package io.hubpolicy.format;

import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Configuration files read as text, strictly: bounded in size before a byte is read, and refused
 * when not valid UTF-8 (a lenient read would silently turn bad bytes into U+FFFD and load something
 * other than what the file says). Each refusal is a {@link Problem} naming the file and, for bad
 * bytes, the line.
 */
public final class Texts {
  /**
   * The largest configuration source read: 16 MiB holds well over 50,000 profiles (the benchmark
   * workload needs ~2 MB for 10,000), while a source this size still fits the memory a pod has to
   * build it beside the one it serves (BENCHMARKS.md). The API server caps a ConfigMap at 1 MiB.
   */
  public static final long MAX_SOURCE_BYTES = 16L * 1024 * 1024;

  private Texts() {}

  /** Thrown with the problem that keeps a file from being read. */
  public static final class Unreadable extends Exception {
    private final transient Problem problem;

    Unreadable(Problem problem) {
      super(problem.toString(), null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }

  /** The file's text; refused when missing, larger than {@link #MAX_SOURCE_BYTES} or not UTF-8. */
  public static String readUtf8(Path file) throws Unreadable {
    String name = file.toString();
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_SOURCE_BYTES) {
        throw new Unreadable(
            new Problem(
                name,
                0,
                "",
                "is "
                    + mib(size)
                    + "; a configuration source may be at most "
                    + mib(MAX_SOURCE_BYTES)
                    + ", so it is refused before reading"));
      }
      // Files.readString keeps the array it read as the string's own when the text is ASCII: one
      // copy of a large configuration in the heap per reload, where reading and then decoding
      // made two (and each is moved by a young collection that comes during the reload).
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException | UnmappableCharacterException e) {
      // Read again, to say where: the line and column of the first bad byte.
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException again) {
        throw new Unreadable(new Problem(name, 0, "", "cannot read: " + Words.of(again)));
      }
    } catch (NoSuchFileException e) {
      throw new Unreadable(new Problem(name, 0, "", "no such file (deleted or renamed?)"));
    } catch (IOException e) {
      throw new Unreadable(new Problem(name, 0, "", "cannot read: " + Words.of(e)));
    }
    return decode(name, bytes);
  }

  /** Decodes UTF-8 strictly; a bad byte is a problem at its line and column. */
  public static String decode(String name, byte[] bytes) throws Unreadable {
    if (isAscii(bytes)) {
      // Most configurations: no array of chars twice the file's size (a humongous object for G1
      // on every reload of a large file), and one pass instead of three.
      return new String(bytes, StandardCharsets.US_ASCII);
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new Unreadable(
          new Problem(
              name,
              line,
              "",
              String.format(
                  "is not valid UTF-8: byte 0x%02X at column %d cannot start or continue a"
                      + " character (save the file as UTF-8)",
                  bytes[at] & 0xff, at - lineStart + 1)));
    }
    try {
      r = decoder.flush(out);
      if (r.isError()) {
        r.throwException();
      }
    } catch (CharacterCodingException e) {
      throw new Unreadable(new Problem(name, 0, "", "is not valid UTF-8: it ends mid-character"));
    }
    return out.flip().toString();
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  private static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /**
   * Adds {@code text}'s UTF-8 bytes to {@code digest} a slice at a time. A configuration's text is
   * megabytes; encoding it whole made an array as large, in a region of its own in the heap
   * (humongous, for G1), on every reload and every resync, and each such allocation may start a
   * collection cycle while decisions are being answered.
   */
  public static void digestUtf8(MessageDigest digest, String text) {
    // A slice at a time through two buffers made once per call: the chars are copied out, and an
    // ASCII slice (nearly every one) is narrowed into bytes in place. Cutting each slice out and
    // encoding it (String.getBytes) made two arrays per slice, 4.4 MB per digest of a 2.2 MB
    // configuration, digested two or three times per reload (BENCHMARKS.md §3). A CharsetEncoder
    // over a CharBuffer went a char at a time: a quarter of a reload's CPU at 10,000 profiles.
    // Other slices are encoded by String.getBytes, so an unpaired surrogate becomes '?', as in the
    // whole text's bytes.
    int n = text.length();
    char[] chars = new char[Math.min(n, DIGEST_SLICE)];
    byte[] bytes = new byte[chars.length];
    for (int from = 0; from < n; ) {
      int to = Math.min(n, from + DIGEST_SLICE);
      // Never split a surrogate pair across two slices: each half alone would be replaced.
      if (to < n && Character.isHighSurrogate(text.charAt(to - 1))) {
        to--;
      }
      int length = to - from;
      text.getChars(from, to, chars, 0);
      int ascii = 0;
      while (ascii < length && chars[ascii] < 0x80) {
        bytes[ascii] = (byte) chars[ascii];
        ascii++;
      }
      if (ascii == length) {
        digest.update(bytes, 0, length);
      } else {
        digest.update(new String(chars, 0, length).getBytes(StandardCharsets.UTF_8));
      }
      from = to;
    }
  }

  private static final int DIGEST_SLICE = 8192;
}
