package io.hubpolicy.authoring;

import io.hubpolicy.authoring.DecisionDiff.Answer;
import io.hubpolicy.authoring.DecisionDiff.Change;
import io.hubpolicy.authoring.DiffRequests.Replayable;
import io.hubpolicy.engine.RuleBase;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Replays a stream of requests against two configurations and reports each request whose decision
 * changes, streaming: lines are read in chunks, each chunk is decided on a small pool (both
 * configurations, then compared), and the results are written in input order as each chunk
 * completes. Only a bounded number of chunks is in flight and only the counters of {@link
 * DiffSummary} outlive them, so memory does not grow with the input.
 */
public final class DiffReplay {
  /** Lines per chunk, and the most text one chunk gathers before it is sent off. */
  static final int CHUNK_LINES = 256;

  static final int CHUNK_BYTES = 1024 * 1024;

  private final RuleBase base;
  private final RuleBase candidate;
  private final int threads;

  /**
   * @param threads deciding threads (the calling thread reads and writes)
   */
  public DiffReplay(RuleBase base, RuleBase candidate, int threads) {
    this.base = base;
    this.candidate = candidate;
    this.threads = Math.max(1, threads);
  }

  /**
   * What became of one line: only what the report and the counters need, not the decisions, so a
   * chunk in flight stays small.
   */
  private record Result(
      Replayable request, DiffSummary.Verdicts verdicts, List<Change> changes, String bad) {}

  /**
   * Replays every line of {@code in}.
   *
   * @param name how bad lines name the input ({@code name:line: problem})
   * @param badLines told of each bad line, as {@code name:line: problem}
   * @return the counters; the report has been written and flushed
   */
  public DiffSummary run(InputStream in, String name, DiffReport report, Consumer<String> badLines)
      throws IOException {
    DiffSummary summary = new DiffSummary(base.revision(), candidate.revision());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "diff-replay");
              t.setDaemon(true);
              return t;
            });
    ArrayDeque<Future<List<Result>>> inFlight = new ArrayDeque<>();
    try {
      DiffRequests.Lines lines = new DiffRequests.Lines(in);
      List<DiffRequests.Lines.Raw> chunk = new ArrayList<>(CHUNK_LINES);
      long bytes = 0;
      for (DiffRequests.Lines.Raw raw = lines.next(); raw != null; raw = lines.next()) {
        chunk.add(raw);
        bytes += raw.bytes() == null ? 0 : raw.bytes().length;
        if (chunk.size() == CHUNK_LINES || bytes >= CHUNK_BYTES) {
          List<DiffRequests.Lines.Raw> full = chunk;
          inFlight.add(pool.submit(() -> decide(full)));
          chunk = new ArrayList<>(CHUNK_LINES);
          bytes = 0;
          while (inFlight.size() > 2 * threads) {
            write(inFlight.poll(), name, report, summary, badLines);
          }
        }
      }
      if (!chunk.isEmpty()) {
        List<DiffRequests.Lines.Raw> last = chunk;
        inFlight.add(pool.submit(() -> decide(last)));
      }
      while (!inFlight.isEmpty()) {
        write(inFlight.poll(), name, report, summary, badLines);
      }
      report.summary(summary);
      report.flush();
      return summary;
    } finally {
      pool.shutdownNow();
    }
  }

  private List<Result> decide(List<DiffRequests.Lines.Raw> chunk) {
    List<Result> out = new ArrayList<>(chunk.size());
    for (DiffRequests.Lines.Raw raw : chunk) {
      if (raw.tooLong()) {
        out.add(bad(raw, "longer than " + DiffRequests.MAX_LINE / (1024 * 1024) + " MiB"));
        continue;
      }
      if (blank(raw.bytes())) {
        continue;
      }
      Replayable r;
      try {
        r = DiffRequests.parse(raw.bytes(), raw.number());
      } catch (DiffRequests.BadLineException e) {
        out.add(bad(raw, e.getMessage()));
        continue;
      }
      Answer before = Answer.of(r.request(), base);
      Answer after = Answer.of(r.request(), candidate);
      out.add(
          new Result(
              r,
              new DiffSummary.Verdicts(
                  before.allowed(), after.allowed(), before.error() != null, after.error() != null),
              DecisionDiff.between(before, after),
              null));
    }
    return out;
  }

  private static Result bad(DiffRequests.Lines.Raw raw, String problem) {
    return new Result(
        new Replayable(raw.number(), DiffRequests.Kind.BODY, null, null, null),
        null,
        null,
        problem);
  }

  private static boolean blank(byte[] b) {
    for (byte x : b) {
      if (x != ' ' && x != '\t' && x != '\r') {
        return false;
      }
    }
    return true;
  }

  private static void write(
      Future<List<Result>> done,
      String name,
      DiffReport report,
      DiffSummary summary,
      Consumer<String> badLines)
      throws IOException {
    List<Result> results;
    try {
      results = done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
    for (Result r : results) {
      if (r.bad() != null) {
        summary.badLine();
        badLines.accept(name + ":" + r.request().line() + ": " + r.bad());
        continue;
      }
      summary.replayed(r.request(), r.verdicts(), r.changes());
      if (!r.changes().isEmpty()) {
        report.change(r.request(), r.changes());
      }
    }
    report.flush();
  }
}
