package io.hubpolicy.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Reading audit files back, newest line first: the current file, then its rotated ones ({@code .1},
 * {@code .2}…). Used by the file sink's lookups and searches and by {@code hubpolicy history
 * --audit-file}; the files may be far larger than memory, so they are read from the end in chunks.
 */
public final class AuditFiles {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int CHUNK = 64 * 1024;

  /** Longer "lines" are not ones hubpolicy wrote; skipping them bounds a scan's memory. */
  private static final int MAX_LINE = 16 * 1024 * 1024;

  /**
   * How far out of time order lines may be in a file: a record's time is taken before it is queued,
   * so two threads may write them a little out of order. A search stops reading once lines are
   * older than this before what it needs.
   */
  private static final Duration SKEW = Duration.ofMinutes(1);

  private AuditFiles() {}

  /** The file and its rotated ones that exist, newest first. */
  public static List<Path> files(Path current) {
    List<Path> out = new ArrayList<>();
    if (Files.exists(current)) {
      out.add(current);
    }
    for (int i = 1; i <= 1000; i++) {
      Path p = rotated(current, i);
      if (!Files.exists(p)) {
        break;
      }
      out.add(p);
    }
    return out;
  }

  static Path rotated(Path current, int i) {
    return current.resolveSibling(current.getFileName() + "." + i);
  }

  /** The newest record of a decision. */
  public static Optional<String> find(Path current, String decisionId) {
    // As the line was written: the id's JSON string (escaped as the writer escaped it).
    byte[] needle =
        ("\"decisionId\":"
                + DecisionJson.ascii(JsonNodeFactory.instance.stringNode(decisionId))
                + ",")
            .getBytes(StandardCharsets.US_ASCII);
    String[] hit = new String[1];
    each(
        current,
        line -> {
          if (indexOf(line, needle) < 0) {
            return true;
          }
          hit[0] = new String(line, StandardCharsets.UTF_8).strip();
          return false;
        });
    return Optional.ofNullable(hit[0]);
  }

  /**
   * The records a query selects, newest first. Reads until the page is full and the lines are older
   * than its oldest record by more than the writers' skew; without a filter that narrows by time, a
   * search for something rare reads every file.
   */
  public static DecisionPage query(Path current, DecisionQuery q) {
    byte[] userNeedle =
        q.user() == null
            ? null
            : ("\"user\":" + DecisionJson.ascii(JsonNodeFactory.instance.stringNode(q.user())))
                .getBytes(StandardCharsets.US_ASCII);
    TreeMap<DecisionQuery.Cursor, String> kept = new TreeMap<>(DecisionQuery.Cursor.NEWEST_FIRST);
    Instant floor = q.since() == null ? null : q.since().minus(SKEW);
    each(
        current,
        line -> {
          Instant t = time(line);
          if (t == null) {
            return true;
          }
          if (floor != null && t.isBefore(floor)) {
            return false;
          }
          if (kept.size() > q.limit() && t.isBefore(kept.lastKey().time().minus(SKEW))) {
            return false;
          }
          if (userNeedle != null && indexOf(line, userNeedle) < 0) {
            return true;
          }
          JsonNode record;
          try {
            record = JSON.readTree(line);
          } catch (JacksonException e) {
            return true; // a torn or foreign line: not a record
          }
          if (!q.matches(record)) {
            return true;
          }
          kept.put(
              new DecisionQuery.Cursor(t, record.path("decisionId").asString("")),
              new String(line, StandardCharsets.UTF_8).strip());
          if (kept.size() > q.limit() + 1) {
            kept.pollLastEntry();
          }
          return true;
        });
    List<String> records = new ArrayList<>(q.limit());
    DecisionQuery.Cursor last = null;
    for (Map.Entry<DecisionQuery.Cursor, String> e : kept.entrySet()) {
      if (records.size() == q.limit()) {
        return new DecisionPage(records, last);
      }
      records.add(e.getValue());
      last = e.getKey();
    }
    return new DecisionPage(records, null);
  }

  /** The time a line begins with ({@code {"time":"…"}}), or null if it does not. */
  static Instant time(byte[] line) {
    if (line.length < TIME.length) {
      return null;
    }
    for (int i = 0; i < TIME.length; i++) {
      if (line[i] != TIME[i]) {
        return null;
      }
    }
    int from = TIME.length;
    int to = from;
    while (to < line.length && line[to] != '"') {
      to++;
    }
    try {
      return Instant.parse(new String(line, from, to - from, StandardCharsets.US_ASCII));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static final byte[] TIME = "{\"time\":\"".getBytes(StandardCharsets.US_ASCII);

  /** Visits every line of the file and its rotated ones, newest first, until told to stop. */
  static void each(Path current, Predicate<byte[]> visit) {
    for (Path p : files(current)) {
      try {
        if (!backwards(p, visit)) {
          return;
        }
      } catch (NoSuchFileException e) {
        // Rotated away between listing and reading: its lines are in the next one.
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read audit log " + p + ": " + e.getMessage(), e);
      }
    }
  }

  /** Visits the lines of one file from its end; false if the visitor stopped. */
  static boolean backwards(Path path, Predicate<byte[]> visit) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long pos = ch.size();
      // The start of the line that ends after pos, gathered chunk by chunk.
      ByteArrayOutputStream partial = new ByteArrayOutputStream();
      boolean skipping = false;
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      while (pos > 0) {
        int n = (int) Math.min(CHUNK, pos);
        pos -= n;
        buf.clear().limit(n);
        while (buf.hasRemaining()) {
          if (ch.read(buf, pos + buf.position()) < 0) {
            throw new IOException("audit log shrank while being read");
          }
        }
        byte[] chunk = buf.array();
        int end = n; // exclusive end of the part of the chunk not yet looked at
        for (int i = n - 1; i >= 0; i--) {
          if (chunk[i] != '\n') {
            continue;
          }
          if (!skipping && !visitLine(chunk, i + 1, end, partial, visit)) {
            return false;
          }
          partial.reset();
          skipping = false;
          end = i;
        }
        if (!skipping && partial.size() + end > MAX_LINE) {
          skipping = true;
          partial.reset();
        }
        if (!skipping) {
          byte[] rest = partial.toByteArray();
          partial.reset();
          partial.write(chunk, 0, end);
          partial.write(rest);
        }
      }
      return skipping || visitLine(new byte[0], 0, 0, partial, visit);
    }
  }

  /** Visits {@code chunk[from, to) + partial} unless it is empty. */
  private static boolean visitLine(
      byte[] chunk, int from, int to, ByteArrayOutputStream partial, Predicate<byte[]> visit) {
    if (to - from + partial.size() == 0) {
      return true;
    }
    byte[] line = new byte[to - from + partial.size()];
    System.arraycopy(chunk, from, line, 0, to - from);
    System.arraycopy(partial.toByteArray(), 0, line, to - from, partial.size());
    return visit.test(line);
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
