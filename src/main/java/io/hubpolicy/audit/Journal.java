package io.hubpolicy.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local buffer every record passes through on its way to the shared store: lines appended to
 * numbered segment files, read back in order by the shipper, and deleted once the store has them.
 *
 * <p>A record is appended (one {@code write}, no fsync) before its decision is answered, so a
 * process killed with {@code kill -9} loses nothing it answered: the next start ships what the last
 * one had not. While the store is away the buffer grows, up to {@code maxBytes}; then appends wait
 * for room (nothing is dropped). Where the shipper got to is kept in {@code position} (segment and
 * offset, replaced atomically after each stored batch); a batch stored but not yet marked is sent
 * again after a crash, which the store ignores (idempotent by decision id).
 *
 * <p>One process per directory: a lock file says so.
 */
final class Journal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  static final long SEGMENT = 16L * 1024 * 1024;
  private static final String SUFFIX = ".jsonl";

  /** Where the shipper is: the next unread byte. */
  record Position(long segment, long offset) {}

  /** Lines read, and the position after them. */
  record Batch(List<String> lines, Position end) {}

  private final Path dir;
  private final long maxBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;

  // Guarded by this.
  private final TreeMap<Long, Long> segments = new TreeMap<>(); // number -> bytes
  private long writing;
  private FileChannel out;
  private long total;
  private Position shipped;
  private boolean waitingLogged;

  // The shipper's own.
  private long readSegment = -1;
  private FileChannel in;

  Journal(Path dir, long maxBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    Files.createDirectories(dir);
    lockChannel =
        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    lock = lockChannel.tryLock();
    if (lock == null) {
      lockChannel.close();
      throw new IOException(
          "another hubpolicy process uses the audit buffer " + dir + "; give each its own");
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(SUFFIX)) {
          try {
            long n = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
            segments.put(n, Files.size(p));
          } catch (NumberFormatException e) {
            // not a segment
          }
        }
      }
    }
    shipped = readPosition();
    if (!segments.isEmpty() && shipped.segment() < segments.firstKey()) {
      shipped = new Position(segments.firstKey(), 0);
    }
    total = segments.values().stream().mapToLong(Long::longValue).sum();
    // Always a new segment: a line torn by a crash in the last one never runs into a new one.
    open(segments.isEmpty() ? Math.max(1, shipped.segment()) : segments.lastKey() + 1);
    if (total > 0) {
      LOG.info(
          "audit buffer {}: {} bytes left by the last run, shipped from segment {} offset {}",
          dir,
          total,
          shipped.segment(),
          shipped.offset());
    }
  }

  private void open(long n) throws IOException {
    if (out != null) {
      out.close();
    }
    writing = n;
    out =
        FileChannel.open(
            segment(n),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    segments.putIfAbsent(n, out.size());
  }

  private Path segment(long n) {
    return dir.resolve(String.format("%016d%s", n, SUFFIX));
  }

  /**
   * Appends one line (without its newline, ASCII). Waits while the buffer is full.
   *
   * @throws IOException if it cannot be written (then the record is not in the buffer)
   */
  synchronized void append(String line) throws IOException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
    while (total + bytes.length > maxBytes && total > 0) {
      if (!waitingLogged) {
        LOG.warn(
            "audit buffer {} is full ({} bytes): decisions wait until the store takes records",
            dir,
            total);
        waitingLogged = true;
      }
      try {
        wait(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for room in the audit buffer");
      }
    }
    waitingLogged = false;
    long size = segments.get(writing);
    if (size > 0 && size + bytes.length > SEGMENT) {
      open(writing + 1);
      size = 0;
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      out.write(buf);
    }
    segments.put(writing, size + bytes.length);
    total += bytes.length;
  }

  /** Bytes in the buffer, shipped or not (what is on disk). */
  synchronized long bytes() {
    return total;
  }

  /** Bytes not yet in the store. */
  synchronized long backlog() {
    long b = 0;
    for (var e : segments.tailMap(shipped.segment(), true).entrySet()) {
      b += e.getValue() - (e.getKey() == shipped.segment() ? shipped.offset() : 0);
    }
    return b;
  }

  /**
   * The next lines after {@code from}, at most {@code maxLines} and about {@code maxBytes}; none
   * when the shipper has caught up. Only whole lines: a line being written is read next time.
   */
  Batch read(Position from, int maxLines, int maxBytes) throws IOException {
    Position at = from;
    while (true) {
      long last;
      long size;
      synchronized (this) {
        last = writing;
        Long s = segments.get(at.segment());
        if (s == null) {
          Long next = segments.higherKey(at.segment());
          if (next == null) {
            return new Batch(List.of(), at);
          }
          at = new Position(next, 0);
          continue;
        }
        size = s;
      }
      if (at.offset() < size) {
        Batch b = readFrom(at, size, maxLines, maxBytes);
        if (!b.lines().isEmpty() || b.end().offset() != at.offset()) {
          return b;
        }
        if (at.segment() == last) {
          return b; // a line being written
        }
        LOG.warn(
            "audit buffer segment {} ends with an unfinished line (a crash while writing);"
                + " skipped",
            segment(at.segment()));
      } else if (at.segment() == last) {
        return new Batch(List.of(), at);
      }
      at = new Position(at.segment() + 1, 0);
      synchronized (this) {
        Long next = segments.ceilingKey(at.segment());
        if (next == null) {
          return new Batch(List.of(), from);
        }
        at = new Position(next, 0);
      }
    }
  }

  private Batch readFrom(Position at, long size, int maxLines, int maxBytes) throws IOException {
    if (readSegment != at.segment()) {
      if (in != null) {
        in.close();
      }
      in = FileChannel.open(segment(at.segment()), StandardOpenOption.READ);
      readSegment = at.segment();
    }
    int n = (int) Math.min(maxBytes, size - at.offset());
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (in.read(buf, at.offset() + buf.position()) < 0) {
        break;
      }
    }
    byte[] bytes = buf.array();
    int len = buf.position();
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < len && lines.size() < maxLines; i++) {
      if (bytes[i] == '\n') {
        if (i > start) {
          lines.add(new String(bytes, start, i - start, StandardCharsets.US_ASCII));
        }
        start = i + 1;
      }
    }
    if (start == 0 && len == maxBytes && lines.isEmpty()) {
      // One line longer than a batch: read it whole.
      return readFrom(at, size, maxLines, (int) Math.min(Integer.MAX_VALUE - 8, 2L * maxBytes));
    }
    return new Batch(lines, new Position(at.segment(), at.offset() + start));
  }

  /** Where the shipper starts: where the last run's had got to. */
  synchronized Position shipped() {
    return shipped;
  }

  /** The store has every line before {@code p}: remember it and free what is behind. */
  synchronized void shippedTo(Position p) throws IOException {
    shipped = p;
    Path tmp = dir.resolve("position.tmp");
    Files.writeString(tmp, p.segment() + " " + p.offset() + "\n");
    try {
      Files.move(
          tmp,
          dir.resolve("position"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve("position"), StandardCopyOption.REPLACE_EXISTING);
    }
    while (!segments.isEmpty() && segments.firstKey() < p.segment()) {
      long n = segments.firstKey();
      total -= segments.remove(n);
      Files.deleteIfExists(segment(n));
    }
    notifyAll();
  }

  private Position readPosition() {
    try {
      String[] parts = Files.readString(dir.resolve("position")).strip().split(" ");
      return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    } catch (IOException | RuntimeException e) {
      return new Position(0, 0);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (in != null) {
        in.close();
      }
      out.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("closing the audit buffer {}: {}", dir, e.getMessage());
    }
  }
}
