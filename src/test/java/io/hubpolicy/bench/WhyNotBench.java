package io.hubpolicy.bench;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bench/run whynot}: what each part of "why the other profiles did not apply" costs next to
 * the decision, in process, one thread, on the generated workload: the decision, the profiles that
 * came close (the default answer's list, cap 25) with the counts, a page of 100 of every profile
 * that did not apply, and all of them. Plain {@code System.nanoTime()} around each call, after
 * warm-up rounds: rough figures, but the ratios are the point. Options: {@code --profiles
 * 1000,10000}.
 */
final class WhyNotBench {
  private WhyNotBench() {}

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    List<Integer> sizes = smoke ? List.of(100) : List.of(1000, 10000);
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--profiles") && i + 1 < args.size()) {
        sizes = Bench.ints(args.get(++i));
      } else {
        throw Bench.usage("whynot", "unknown option " + args.get(i));
      }
    }
    report.println(
        "One thread, 200 generated requests per round (seed 42), each timed alone; µs per request"
            + " as p50 / mean over the last "
            + (smoke ? 1 : 5)
            + " rounds after "
            + (smoke ? 1 : 5)
            + " rounds of warm-up.");
    report.println();
    report.println(
        "| profiles | decision | close (cap 25) and counts | page of 100 | all | close ÷ decision |");
    report.println("|---:|---:|---:|---:|---:|---:|");
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 200, 42);
      RuleBase rb = Engines.ruleBase(w.yaml());
      int warm = smoke ? 1 : 5;
      int measured = smoke ? 1 : 5;
      int reps = smoke ? 1 : Math.max(1, 20_000 / n);
      long[][] t = new long[4][];
      long sink = 0;
      for (int round = 0; round < warm + measured; round++) {
        boolean keep = round >= warm;
        int total = measured * reps * w.requests().size();
        if (keep && t[0] == null) {
          for (int k = 0; k < 4; k++) {
            t[k] = new long[total];
          }
        }
        int at = (round - warm) * reps * w.requests().size();
        for (int rep = 0; rep < reps; rep++) {
          for (SpawnRequest r : w.requests()) {
            long t0 = System.nanoTime();
            Decision d = DecisionEngine.decide(r, rb);
            long t1 = System.nanoTime();
            sink +=
                d.notApplied().close(DecisionJson.Explain.CLOSE_CAP).count()
                    + d.notApplied().count();
            long t2 = System.nanoTime();
            sink += d.notApplied().page(0, DecisionJson.Explain.DEFAULT_LIMIT).size();
            long t3 = System.nanoTime();
            // All of them only once per request and round: at 10,000 profiles it takes ms.
            if (rep == 0) {
              sink += d.notApplied().all().size();
            }
            long t4 = System.nanoTime();
            if (keep) {
              t[0][at] = t1 - t0;
              t[1][at] = t2 - t1;
              t[2][at] = t3 - t2;
              t[3][at] = rep == 0 ? t4 - t3 : -1;
              at++;
            }
          }
        }
      }
      report.printf(
          "| %,d | %s | %s | %s | %s | %.2f |%n",
          n, show(t[0]), show(t[1]), show(t[2]), show(t[3]), mean(t[1]) / mean(t[0]));
      if (sink == 42) {
        report.println();
      }
    }
  }

  private static double mean(long[] ns) {
    return Arrays.stream(ns).filter(x -> x >= 0).average().orElse(Double.NaN);
  }

  private static String show(long[] ns) {
    long[] s = Arrays.stream(ns).filter(x -> x >= 0).sorted().toArray();
    return String.format("%.1f / %.1f", s[s.length / 2] / 1e3, mean(ns) / 1e3);
  }
}
