package io.hubpolicy.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The reload benchmark's answers, split by when they were due: in a window of changes, or in a
 * quiet window between two of them, under the same load.
 *
 * <p>Why: on a shared two-core machine the p99 of the same load without any change moves between
 * runs (3.6 to 15 ms within an hour on 2026-12-04), so a p99 during the reloads alone cannot tell
 * the service's share from the machine's. Quiet windows interleaved with the changes are measured
 * under the same conditions, a few seconds apart.
 *
 * <p>Threads: {@link #answer} is called on the load generator's event loop only; the windows are
 * opened and closed by the thread making the changes; {@link #split} is read once both are done
 * (after the load's thread has been joined, which orders the event loop's writes before it).
 */
final class ReloadWindows {
  /** What a window holds. */
  enum Kind {
    CHANGES,
    QUIET
  }

  /** One window of due times, {@code [from, to)} in {@link System#nanoTime()}. */
  record Window(Kind kind, long from, long to) {
    Window {
      if (to < from) {
        throw new IllegalArgumentException("a window ends before it begins");
      }
    }

    boolean holds(long due) {
      return due >= from && due < to;
    }
  }

  /**
   * One kind's figures: latencies from the due time in microseconds, and how many were over {@code
   * slowNanos} and {@code targetNanos}.
   */
  record Figures(Histogram latency, long slow, long overTarget) {
    long count() {
      return latency.getTotalCount();
    }

    double p99Ms() {
      return count() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0;
    }

    double p50Ms() {
      return count() == 0 ? Double.NaN : latency.getValueAtPercentile(50) / 1000.0;
    }

    double maxMs() {
      return count() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0;
    }
  }

  /** The two kinds' figures. */
  record Split(Figures changes, Figures quiet) {}

  // ---- the event loop's ----
  private long[] due = new long[1 << 14];
  private long[] latency = new long[1 << 14];
  private int n;

  // ---- the changing thread's ----
  private final List<Window> windows = new ArrayList<>();
  private Kind open;
  private long openedAt;

  /** An answer (or failure) of a request due at {@code intended}, complete at {@code received}. */
  void answer(long intended, long received) {
    if (n == due.length) {
      due = Arrays.copyOf(due, n * 2);
      latency = Arrays.copyOf(latency, n * 2);
    }
    due[n] = intended;
    latency[n] = received - intended;
    n++;
  }

  /** Begins a window of {@code kind} at {@code now}, ending the open one there. */
  void begin(Kind kind, long now) {
    end(now);
    open = kind;
    openedAt = now;
  }

  /** Ends the open window (if any) at {@code now}. */
  void end(long now) {
    if (open != null) {
      windows.add(new Window(open, openedAt, now));
      open = null;
    }
  }

  List<Window> windows() {
    return List.copyOf(windows);
  }

  /**
   * The answers of each kind. Answers due outside every window (the load's first moments, the gap
   * left between a change and the next quiet window) count for neither.
   */
  Split split(long slowNanos, long targetNanos) {
    Histogram[] h = {
      new Histogram(LoadGenerator.MAX_MICROS, 3), new Histogram(LoadGenerator.MAX_MICROS, 3)
    };
    long[] slow = new long[2];
    long[] over = new long[2];
    List<Window> sorted = new ArrayList<>(windows);
    sorted.sort((a, b) -> Long.compare(a.from(), b.from()));
    long[] from = sorted.stream().mapToLong(Window::from).toArray();
    for (int i = 0; i < n; i++) {
      // The last window beginning at or before the due time, if it still holds it.
      int w = Arrays.binarySearch(from, due[i]);
      if (w < 0) {
        w = -w - 2;
      }
      if (w < 0 || !sorted.get(w).holds(due[i])) {
        continue;
      }
      int k = sorted.get(w).kind().ordinal();
      long l = latency[i];
      h[k].recordValue(Math.min(LoadGenerator.MAX_MICROS, Math.max(0, l / 1000)));
      if (l > slowNanos) {
        slow[k]++;
      }
      if (l > targetNanos) {
        over[k]++;
      }
    }
    int c = Kind.CHANGES.ordinal();
    int q = Kind.QUIET.ordinal();
    return new Split(new Figures(h[c], slow[c], over[c]), new Figures(h[q], slow[q], over[q]));
  }
}
