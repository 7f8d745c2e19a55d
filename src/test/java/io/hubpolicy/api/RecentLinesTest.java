package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The audit log's ring of recent lines, against a list that keeps the same ones. */
class RecentLinesTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  record Kept(String id, String line, long tag) {}

  @Test
  void keepsTheNewestLinesWithinItsCountAndBytesAcrossManyWrapArounds() {
    Random r = new Random(3);
    int maxEntries = 37;
    int bytes = 4_000;
    RecentLines ring = new RecentLines(maxEntries, bytes);
    Deque<Kept> model = new ArrayDeque<>();
    long used = 0;
    for (int i = 0; i < 20_000; i++) {
      // Few distinct ids, so ids come back (the newest wins) and buckets share chains.
      String id = "d-" + r.nextInt(60);
      String line = "{\"n\":" + i + ",\"pad\":\"" + "é".repeat(r.nextInt(60)) + "\"}";
      int size = b(id).length + b(line).length;
      if (!ring.fits(size)) {
        continue;
      }
      while (!model.isEmpty() && (model.size() >= maxEntries || used + size > bytes)) {
        Kept old = model.removeFirst();
        used -= b(old.id()).length + b(old.line()).length;
      }
      ring.add(b(id), b(line), i);
      model.addLast(new Kept(id, line, i));
      used += size;
      assertEquals(model.size(), ring.size());
      assertEquals(model.getFirst().tag(), ring.oldestTag());
      if (i % 97 == 0) {
        for (int k = 0; k < 60; k++) {
          String q = "d-" + k;
          Kept newest = null;
          for (Kept e : model) {
            if (e.id().equals(q)) {
              newest = e;
            }
          }
          RecentLines.Found f = ring.find(q);
          if (newest == null) {
            assertNull(f, q);
          } else {
            assertEquals(newest.line(), f.line(), q);
            assertEquals(newest.tag(), f.tag());
          }
        }
      }
    }
  }

  @Test
  void aLineOverAQuarterOfTheRingIsNotKeptAndEvictionIsTheCallersToAllow() {
    RecentLines ring = new RecentLines(4, 1_000);
    assertFalse(ring.fits(251));
    assertTrue(ring.fits(250));
    ring.add(b("a"), b("x".repeat(200)), 1);
    ring.add(b("b"), b("y".repeat(200)), 2);
    ring.add(b("c"), b("z".repeat(200)), 3);
    ring.add(b("d"), b("w".repeat(200)), 4);
    // Full by count: the next one would push out "a", which the audit log checks is written.
    assertTrue(ring.wouldEvict(b("e"), b("v")));
    assertEquals(1, ring.oldestTag());
    ring.evictOldest();
    assertNull(ring.find("a"));
    assertEquals("y".repeat(200), ring.find("b").line());
    assertFalse(ring.wouldEvict(b("e"), b("v")));
  }
}
