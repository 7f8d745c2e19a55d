package io.hubpolicy.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The most recent audit lines by decision id, in one array allocated once: the collector never
 * copies it. Kept as strings in a map, the lines of the last two seconds at 1,000 decisions a
 * second (16 MB at 10,000 profiles) were copied from survivor space to survivor space by every
 * young collection and then promoted to die in the old generation: most of each pause, and the
 * concurrent cycles that followed (BENCHMARKS.md §3).
 *
 * <p>Entries are numbered in the order they are added; entry {@code n} is {@code id} then {@code
 * line} in the ring, as bytes (both are ASCII: ids are made by the engine, lines by {@link
 * DecisionJson#ascii}; anything else is stored as UTF-8 and read back the same). The oldest entry
 * leaves when the count or the bytes run out. A bucket table points at the newest entry of each
 * hash, and each entry at the previous one of its bucket, so lookups need no deletions: a pointer
 * below the oldest kept entry ends the chain. Not thread-safe: the audit logs (the file's, and the
 * database's) call it under their locks.
 */
public final class RecentLines {
  /**
   * The audit logs' ring size: the recent lines of about a second at 1,000 decisions a second and
   * 10,000 profiles (8 KB a line), or of minutes at the rates a hub sees. Just under 8 MiB, so that
   * it is one region of the image's G1 (8 MiB regions), allocated once and never copied.
   */
  public static final int DEFAULT_BYTES = 8 * 1024 * 1024 - 4096;

  private final byte[] ring;
  private final int maxEntries;

  /** Per entry (at {@code n % maxEntries}): where it starts in the ring (unwrapped), its sizes. */
  private final long[] start;

  private final long[] tags;
  private final int[] idLength;
  private final int[] lineLength;
  private final long[] previousInBucket;
  private final long[] buckets;
  private final int mask;

  /** Entries {@code [oldest, next)} are kept. */
  private long oldest;

  private long next;

  /** Bytes {@code [ringTail, ringHead)} of the unwrapped ring are in use. */
  private long ringTail;

  private long ringHead;

  /**
   * @param maxEntries how many lines at most
   * @param bytes the ring's size; a line that does not fit in a quarter of it is not kept
   */
  public RecentLines(int maxEntries, int bytes) {
    this.maxEntries = Math.max(1, maxEntries);
    this.ring = new byte[bytes];
    this.start = new long[this.maxEntries];
    this.tags = new long[this.maxEntries];
    this.idLength = new int[this.maxEntries];
    this.lineLength = new int[this.maxEntries];
    this.previousInBucket = new long[this.maxEntries];
    int tableSize = Integer.highestOneBit(Math.max(2, this.maxEntries) * 2 - 1) * 2;
    this.buckets = new long[tableSize];
    Arrays.fill(buckets, -1);
    this.mask = tableSize - 1;
  }

  /** How many entries are kept. */
  public int size() {
    return (int) (next - oldest);
  }

  /** The number the next {@link #add} gets; entries below {@link #oldestKept} are gone. */
  long nextNumber() {
    return next;
  }

  long oldestKept() {
    return oldest;
  }

  /** The caller's tag of the oldest entry kept; only when {@link #size} is not 0. */
  public long oldestTag() {
    return tags[slot(oldest)];
  }

  /** Whether a line of {@code idAndLineBytes} could be kept at all. */
  public boolean fits(int idAndLineBytes) {
    return idAndLineBytes <= ring.length / 4;
  }

  /**
   * Whether adding {@code id} and {@code line} would push out the oldest entry (for the caller's
   * check that it may go).
   */
  public boolean wouldEvict(byte[] id, byte[] line) {
    if (size() == 0) {
      return false;
    }
    return size() >= maxEntries || (ringHead - ringTail) + id.length + line.length > ring.length;
  }

  /** Drops the oldest entry. */
  public void evictOldest() {
    if (size() == 0) {
      return;
    }
    int slot = slot(oldest);
    ringTail = start[slot] + idLength[slot] + lineLength[slot];
    oldest++;
    if (oldest == next) {
      ringTail = ringHead;
    }
  }

  /**
   * Adds a line, making room by dropping the oldest entries; the caller has checked {@link #fits}
   * and that the entries to drop may go. {@code tag} is the caller's (the audit log's queue
   * number). Returns the entry's number.
   */
  public long add(byte[] id, byte[] line, long tag) {
    while (wouldEvict(id, line)) {
      evictOldest();
    }
    long n = next++;
    int slot = slot(n);
    start[slot] = ringHead;
    tags[slot] = tag;
    idLength[slot] = id.length;
    lineLength[slot] = line.length;
    put(ringHead, id);
    put(ringHead + id.length, line);
    ringHead += id.length + line.length;
    int b = bucket(id);
    previousInBucket[slot] = buckets[b];
    buckets[b] = n;
    return n;
  }

  /** A line found, and its tag. */
  public record Found(String line, long tag) {}

  /** The newest line kept for {@code id}, or null. */
  public Found find(String id) {
    byte[] key = id.getBytes(StandardCharsets.UTF_8);
    for (long n = buckets[bucket(key)]; n >= oldest && n < next; ) {
      int slot = slot(n);
      if (idLength[slot] == key.length && sameBytes(start[slot], key)) {
        byte[] line = new byte[lineLength[slot]];
        get(start[slot] + idLength[slot], line);
        return new Found(new String(line, StandardCharsets.UTF_8), tags[slot]);
      }
      long before = previousInBucket[slot];
      if (before >= n) {
        break; // never: chains go to older entries
      }
      n = before;
    }
    return null;
  }

  private int slot(long n) {
    return (int) (n % maxEntries);
  }

  private int bucket(byte[] id) {
    int h = Arrays.hashCode(id);
    h ^= h >>> 16;
    return h & mask;
  }

  private void put(long at, byte[] bytes) {
    int pos = (int) (at % ring.length);
    int first = Math.min(bytes.length, ring.length - pos);
    System.arraycopy(bytes, 0, ring, pos, first);
    System.arraycopy(bytes, first, ring, 0, bytes.length - first);
  }

  private void get(long at, byte[] into) {
    int pos = (int) (at % ring.length);
    int first = Math.min(into.length, ring.length - pos);
    System.arraycopy(ring, pos, into, 0, first);
    System.arraycopy(ring, 0, into, first, into.length - first);
  }

  private boolean sameBytes(long at, byte[] key) {
    int pos = (int) (at % ring.length);
    for (int i = 0; i < key.length; i++) {
      if (ring[(pos + i) % ring.length] != key[i]) {
        return false;
      }
    }
    return true;
  }
}
