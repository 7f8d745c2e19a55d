package io.hubpolicy.profiles;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Profiles remembered from the previous read, by the text of each one, so that a reload reads only
 * the profiles whose text changed. A large configuration is one file or a few ConfigMaps, and an
 * edit changes a profile or two: reading all 10,000 again made ~330 MB of garbage and half a second
 * of CPU on every reload, taken from the requests being answered at the same time (issue 19,
 * BENCHMARKS.md §3).
 *
 * <p>A source qualifies when its text is one plain document whose {@code profiles:} key, at the
 * left margin, holds a block sequence: each item from its {@code - } line to the next one is a
 * chunk. The rest of the document (its other keys) is read with the chunks' lines blanked, so its
 * lines keep their numbers. A chunk is read on its own, with its own lines and field path; what it
 * gives is exactly what the whole read gives for that item, because an item of a block sequence
 * cannot reach outside its lines — except through anchors and aliases, so a text with {@code &} or
 * {@code *} anywhere is read whole (an alias's expansion bound also counts per document). Whenever
 * a chunk or the rest does not read cleanly as YAML, the source is read whole, so syntax errors are
 * reported as they always were.
 *
 * <p>Only profiles read without a problem are remembered, under their source, first line and text;
 * each read keeps what it used and forgets the rest, so the memory held is the current
 * configuration's text.
 */
final class ProfileChunks {
  /**
   * One item of the profiles sequence: where its text lies in the source's, and the 0-based line it
   * starts on. Its text is cut out only for a chunk that is read: the others are compared in place
   * with what their position held last time. Cutting out all 10,000 at every reload made 2 MB of
   * copies that a young collection during the reload had to move (BENCHMARKS.md §3).
   */
  static final class Chunk {
    private final String whole;
    private final int start;
    private final int end;
    private final int line;

    Chunk(String whole, int start, int end, int line) {
      this.whole = whole;
      this.start = start;
      this.end = end;
      this.line = line;
    }

    int line() {
      return line;
    }

    String text() {
      return whole.substring(start, end);
    }

    /** Whether this chunk's text is {@code text}, without copying it. */
    boolean is(String text) {
      int length = end - start;
      return text.length() == length && whole.regionMatches(start, text, 0, length);
    }
  }

  /** The document with the items' lines blanked, and the items. */
  record Split(String rest, List<Chunk> chunks) {}

  private record Key(String source, int line, String text) {}

  /**
   * A profile remembered, under the key of the read that made it, and the last read that used it.
   */
  private static final class Known {
    final Key key;
    Profile profile;
    int seen;

    Known(Key key, Profile profile, int seen) {
      this.key = key;
      this.profile = profile;
      this.seen = seen;
    }

    /** Whether this profile was read from this chunk's text at this line (of its source). */
    boolean readFrom(int line, Chunk chunk) {
      return key.line() == line && chunk.is(key.text());
    }
  }

  /** What each chunk of a source used, by position, in the read of {@code generation}. */
  private record Places(Known[] known, int generation) {}

  /**
   * A chunk read: its profile (at the order it had when it was read) or its problems; {@link
   * #placed} remembers where it went, so that the next read finds it there already.
   */
  record Read(Profile profile, List<Problem> problems, Object known) {}

  /**
   * One map for every read, its entries kept (with the text of the read that made them) while reads
   * use them: a read's own copies of unchanged texts then die young, where a new map of new keys
   * per read was promoted to the old generation on every reload (BENCHMARKS.md §3).
   */
  private final Map<Key, Known> known = new HashMap<>();

  /**
   * Per source, what each position used in its last read: an edit leaves nearly every chunk where
   * it was, and comparing it with the text there costs no hashing of the whole configuration
   * (hashing every chunk's new text was a tenth of a reload's CPU at 10,000 profiles, BENCHMARKS.md
   * §3).
   */
  private final Map<String, Places> places = new HashMap<>();

  private int generation;
  private int reused;
  private int read;

  /** Starts a read of all sources: what the last one used is what this one may reuse. */
  synchronized void begin() {
    generation++;
    reused = 0;
    read = 0;
  }

  /** Ends a read: forgets what it did not use. */
  synchronized void end() {
    known.values().removeIf(k -> k.seen != generation);
    places.values().removeIf(p -> p.generation() != generation);
  }

  /** Profiles reused and read since {@link #begin}. */
  synchronized int[] counts() {
    return new int[] {reused, read};
  }

  /**
   * Each chunk read, or null when one does not read cleanly as YAML (then the source is read
   * whole). {@code lineOffset} is the source's; {@code field} the sequence's ({@code profiles}).
   */
  synchronized List<Read> read(String source, int lineOffset, List<Chunk> chunks, String field) {
    List<Read> out = new ArrayList<>(chunks.size());
    Places last = places.get(source);
    Known[] used = new Known[chunks.size()];
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      int line = lineOffset + c.line();
      Known k =
          last != null && i < last.known().length && last.known()[i] != null
              ? last.known()[i]
              : null;
      Key key = null;
      if (k == null || !k.readFrom(line, c)) {
        key = new Key(source, line, c.text());
        k = known.get(key);
      }
      if (k != null) {
        k.seen = generation;
        used[i] = k;
        out.add(new Read(k.profile, List.of(), k));
        reused++;
        continue;
      }
      List<Problem> syntax = new ArrayList<>();
      // The item's root is two levels down in the document (the document, then its profiles).
      List<YNode> docs = YamlReader.readAll(key.text(), source, line, 2, syntax);
      if (!syntax.isEmpty()
          || docs.size() != 1
          || !(docs.get(0) instanceof YList list)
          || list.items().size() != 1) {
        return null;
      }
      List<Problem> problems = new ArrayList<>();
      Loaded one = new Loaded();
      ProfileSchema.read(
          new StrictReader(source, problems), list.items().get(0), field + "[" + i + "]", one);
      read++;
      if (problems.isEmpty() && one.profiles.size() == 1) {
        Known fresh = new Known(key, one.profiles.get(0), generation);
        known.put(key, fresh);
        used[i] = fresh;
        out.add(new Read(fresh.profile, List.of(), fresh));
      } else {
        out.add(new Read(null, problems, null));
      }
    }
    places.put(source, new Places(used, generation));
    return out;
  }

  /**
   * The profile of {@code read} at its place in this read's configuration: the same object when it
   * is where it was last time (a copy per profile per reload was a fifth of a reload's CPU).
   */
  synchronized Profile placed(Read read, int order) {
    Profile p = read.profile().withOrder(order);
    ((Known) read.known()).profile = p;
    return p;
  }

  /**
   * The profiles sequence of {@code text} cut into items, or null when the text is not of the shape
   * described above (then it is read whole).
   */
  static Split split(String text) {
    if (text.indexOf('&') >= 0 || text.indexOf('*') >= 0 || text.indexOf('\r') >= 0) {
      return null;
    }
    int n = text.length();
    int pos = 0;
    int line = 0;
    int keyLine = -1;
    // Find the line "profiles:" (a comment may follow) at the left margin.
    while (pos < n) {
      int end = lineEnd(text, pos);
      if (isProfilesKey(text, pos, end)) {
        keyLine = line;
        pos = end + 1;
        line++;
        break;
      }
      if (text.startsWith("---", pos) || text.startsWith("...", pos) || text.startsWith("%", pos)) {
        return null; // several documents or directives: read whole
      }
      pos = end + 1;
      line++;
    }
    if (keyLine < 0) {
      return null;
    }
    int indent = -1;
    int firstItem = -1;
    int firstItemLine = -1;
    List<Chunk> chunks = new ArrayList<>();
    int chunkStart = -1;
    int chunkLine = -1;
    int blockEnd = n;
    while (pos < n) {
      int end = lineEnd(text, pos);
      int spaces = 0;
      while (pos + spaces < end && text.charAt(pos + spaces) == ' ') {
        spaces++;
      }
      boolean blank = pos + spaces == end || text.charAt(pos + spaces) == '#';
      if (!blank) {
        boolean item = isItem(text, pos + spaces, end);
        if (indent < 0) {
          if (!item) {
            return null; // not a block sequence
          }
          indent = spaces;
        }
        if (spaces < indent || (spaces == indent && !item)) {
          blockEnd = pos; // the next key of the document
          break;
        }
        if (spaces == indent) {
          if (chunkStart >= 0) {
            chunks.add(new Chunk(text, chunkStart, pos, chunkLine));
          } else {
            firstItem = pos;
            firstItemLine = line;
          }
          chunkStart = pos;
          chunkLine = line;
        }
      }
      pos = end + 1;
      line++;
    }
    if (chunkStart < 0) {
      return null;
    }
    chunks.add(new Chunk(text, chunkStart, Math.min(blockEnd, n), chunkLine));
    // Blank lines where the items were: the rest keeps its line numbers, and reads fast. The loop
    // above stopped on the line at blockEnd (or after the last line), so it counted them.
    int blanked = line - firstItemLine;
    StringBuilder rest = new StringBuilder(firstItem + blanked + (n - blockEnd));
    rest.append(text, 0, firstItem);
    rest.append("\n".repeat(blanked));
    rest.append(text, blockEnd, n);
    return new Split(rest.toString(), chunks);
  }

  private static int lineEnd(String text, int pos) {
    int end = text.indexOf('\n', pos);
    return end < 0 ? text.length() : end;
  }

  /** {@code profiles:}, then nothing but spaces and a comment. */
  private static boolean isProfilesKey(String text, int pos, int end) {
    if (!text.startsWith("profiles:", pos)) {
      return false;
    }
    int i = pos + "profiles:".length();
    while (i < end && text.charAt(i) == ' ') {
      i++;
    }
    return i == end || (text.charAt(i) == '#' && text.charAt(i - 1) == ' ');
  }

  /** {@code -} alone or followed by a space: a block sequence's item. */
  private static boolean isItem(String text, int at, int end) {
    return text.charAt(at) == '-' && (at + 1 == end || text.charAt(at + 1) == ' ');
  }
}
