package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.bench.ReloadWindows.Kind;
import io.hubpolicy.bench.ReloadWindows.Split;
import org.junit.jupiter.api.Test;

class ReloadWindowsTest {
  static final long MS = 1_000_000;

  @Test
  void answersCountInTheWindowTheyWereDueIn() {
    ReloadWindows w = new ReloadWindows();
    w.begin(Kind.CHANGES, 100 * MS);
    w.end(200 * MS);
    // 200..250 ms: a gap, counted for neither
    w.begin(Kind.QUIET, 250 * MS);
    w.begin(Kind.CHANGES, 350 * MS); // ends the quiet window
    w.end(400 * MS);

    w.answer(50 * MS, 90 * MS); // before every window
    w.answer(100 * MS, 112 * MS); // changes: 12 ms, at the window's first instant
    w.answer(199 * MS, 205 * MS); // changes: 6 ms, answered after the window ended
    w.answer(220 * MS, 221 * MS); // the gap
    w.answer(250 * MS, 251 * MS); // quiet: 1 ms
    w.answer(349 * MS, 360 * MS); // quiet: 11 ms, its last instant
    w.answer(350 * MS, 352 * MS); // changes again: 2 ms
    w.answer(400 * MS, 401 * MS); // after the last window

    Split s = w.split(5 * MS, 10 * MS);
    assertEquals(3, s.changes().count());
    assertEquals(2, s.changes().slow()); // 12 and 6 ms
    assertEquals(1, s.changes().overTarget()); // 12 ms
    assertEquals(12.0, s.changes().maxMs(), 0.05);
    assertEquals(2, s.quiet().count());
    assertEquals(1, s.quiet().slow());
    assertEquals(1, s.quiet().overTarget());
    assertEquals(11.0, s.quiet().p99Ms(), 0.05);
    assertEquals(1.0, s.quiet().p50Ms(), 0.05);
  }

  @Test
  void growsPastItsFirstArrays() {
    ReloadWindows w = new ReloadWindows();
    w.begin(Kind.QUIET, 0);
    int answers = 100_000; // more than the first arrays hold
    for (int i = 0; i < answers; i++) {
      w.answer(i * 1_000L, i * 1_000L + (i % 100 == 0 ? 20 * MS : MS));
    }
    w.end(answers * 1_000L);
    Split s = w.split(5 * MS, 10 * MS);
    assertEquals(answers, s.quiet().count());
    assertEquals(answers / 100, s.quiet().overTarget());
    assertEquals(0, s.changes().count());
    assertTrue(Double.isNaN(s.changes().p99Ms()));
  }

  @Test
  void aWindowCannotEndBeforeItBegins() {
    assertThrows(IllegalArgumentException.class, () -> new ReloadWindows.Window(Kind.QUIET, 2, 1));
  }
}
