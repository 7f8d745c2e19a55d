package io.hubpolicy.bench;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.ReferenceMerge;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * In-process decisions with JMH: the engine (a KieSession per decision, audit listener on) against
 * the baseline, the old library's algorithm as a plain Java loop ({@link ReferenceMerge}: walk
 * every profile in order, merge the matching ones), on the same generated workload.
 *
 * <p>{@code bench/run decisions [--profiles 10,100,1000,10000]}: latency (JMH sample mode, p50 and
 * p99) and throughput, on one thread and on two, per configuration size.
 */
@State(Scope.Benchmark)
public class DecisionJmh {
  static final long SEED = 42;
  static final int REQUESTS = 4_096;
  static final java.nio.file.Path JMH_LOG = java.nio.file.Path.of("target", "bench", "jmh.log");

  @Param({"10", "100", "1000", "10000"})
  public int profiles;

  RuleBase ruleBase;
  List<SpawnRequest> requests;

  @Setup(Level.Trial)
  public void setUp() {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, REQUESTS, SEED);
    ruleBase = build(w);
    requests = w.requests();
  }

  static RuleBase build(WorkloadGenerator.Workload w) {
    return new RuleBaseBuilder()
        .build(List.of(new ConfigSource("generated.yaml", w.yaml())), Engines.builtinRules());
  }

  /** Each thread walks the request list from its own starting point. */
  @State(Scope.Thread)
  public static class Cursor {
    int next = (int) (Thread.currentThread().getId() * 997);

    SpawnRequest next(List<SpawnRequest> requests) {
      next = (next + 1) & (REQUESTS - 1);
      return requests.get(next);
    }
  }

  @Benchmark
  public Decision engine(Cursor c) {
    return DecisionEngine.decide(c.next(requests), ruleBase);
  }

  @Benchmark
  public ReferenceMerge.Result baseline(Cursor c) {
    return ReferenceMerge.decide(ruleBase.config(), c.next(requests));
  }

  // ---- runner ----

  record Key(String bench, int profiles, int threads) {}

  record Figures(double p50, double p99, double opsPerSec) {}

  /** {@code bench/run decisions}. */
  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    List<Integer> sizes = new ArrayList<>(smoke ? List.of(10) : List.of(10, 100, 1_000, 10_000));
    List<Integer> threadCounts = new ArrayList<>(List.of(1, 2));
    String only = "";
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--profiles") && i + 1 < args.size()) {
        sizes.clear();
        sizes.addAll(Bench.ints(args.get(++i)));
      } else if (args.get(i).equals("--threads") && i + 1 < args.size()) {
        threadCounts.clear();
        threadCounts.addAll(Bench.ints(args.get(++i)));
      } else if (args.get(i).equals("--only") && i + 1 < args.size()) {
        // engine or baseline: for quick before/after comparisons while working on one of them
        only = args.get(++i) + "$";
      } else {
        throw Bench.usage("decisions", "unknown option " + args.get(i));
      }
    }
    java.nio.file.Files.createDirectories(JMH_LOG.getParent());
    System.err.println("bench decisions: JMH output goes to " + JMH_LOG);
    Map<Key, Figures> figures = new LinkedHashMap<>();
    for (int threads : threadCounts) {
      Map<Key, Double> p50 = new LinkedHashMap<>();
      Map<Key, Double> p99 = new LinkedHashMap<>();
      Map<Key, Double> ops = new LinkedHashMap<>();
      for (Mode mode : List.of(Mode.SampleTime, Mode.Throughput)) {
        System.err.printf("bench decisions: %s on %d thread(s)...%n", mode, threads);
        for (RunResult r : new Runner(options(sizes, mode, threads, smoke, only).build()).run()) {
          String bench = r.getParams().getBenchmark();
          bench = bench.substring(bench.lastIndexOf('.') + 1);
          Key k = new Key(bench, Integer.parseInt(r.getParams().getParam("profiles")), threads);
          Result<?> primary = r.getPrimaryResult();
          if (mode == Mode.SampleTime) {
            p50.put(k, primary.getStatistics().getPercentile(50));
            p99.put(k, primary.getStatistics().getPercentile(99));
          } else {
            ops.put(k, primary.getScore());
          }
        }
      }
      for (Key k : p50.keySet()) {
        figures.put(k, new Figures(p50.get(k), p99.get(k), ops.getOrDefault(k, Double.NaN)));
      }
    }
    Map<Integer, Double> matches = new LinkedHashMap<>();
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, REQUESTS, SEED);
      RuleBase rb = build(w);
      matches.put(
          n, w.requests().stream().mapToInt(q -> rb.matching(q).size()).average().orElse(0));
    }
    print(figures, matches, smoke, report);
  }

  static ChainedOptionsBuilder options(
      Collection<Integer> sizes, Mode mode, int threads, boolean smoke, String only) {
    ChainedOptionsBuilder o =
        new OptionsBuilder()
            .include(DecisionJmh.class.getName() + "\\." + only)
            .param("profiles", sizes.stream().map(String::valueOf).toArray(String[]::new))
            .mode(mode)
            .timeUnit(mode == Mode.SampleTime ? TimeUnit.MICROSECONDS : TimeUnit.SECONDS)
            .threads(threads)
            .shouldFailOnError(true)
            // JMH's own progress and per-iteration output; the report gets only the table.
            .output(JMH_LOG.toString());
    if (smoke) {
      // In the test JVM, a fraction of a second each: proves the harness runs, measures nothing.
      return o.forks(0)
          .warmupIterations(0)
          .measurementIterations(1)
          .measurementTime(TimeValue.milliseconds(200));
    }
    return o.forks(1)
        .warmupIterations(3)
        .warmupTime(TimeValue.seconds(2))
        .measurementIterations(4)
        .measurementTime(TimeValue.seconds(3));
  }

  static void print(
      Map<Key, Figures> figures, Map<Integer, Double> matches, boolean smoke, PrintStream out) {
    out.println(
        "JMH "
            + (smoke ? "smoke (no fork, 1 × 200 ms)" : "1 fork, 3 × 2 s warm-up, 4 × 3 s measured")
            + "; workload seed "
            + SEED
            + ", "
            + REQUESTS
            + " requests cycled; engine = a pooled KieSession per decision with the audit listener;"
            + " baseline = walk every profile, merge the matching ones (the old library's loop).");
    out.println();
    out.println(
        "| profiles | avg matching | threads | engine p50 / p99 µs | engine decisions/s |"
            + " baseline p50 / p99 µs | baseline decisions/s | engine vs baseline (p50, p99,"
            + " throughput) |");
    out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Map.Entry<Key, Figures> e : figures.entrySet()) {
      Key k = e.getKey();
      if (!k.bench().equals("engine")) {
        continue;
      }
      Figures en = e.getValue();
      Figures base =
          figures.getOrDefault(
              new Key("baseline", k.profiles(), k.threads()),
              new Figures(Double.NaN, Double.NaN, Double.NaN));
      out.printf(
          "| %,d | %.1f | %d | %.1f / %.1f | %,.0f | %.1f / %.1f | %,.0f | %s, %s, %s |%n",
          k.profiles(),
          matches.getOrDefault(k.profiles(), Double.NaN),
          k.threads(),
          en.p50(),
          en.p99(),
          en.opsPerSec(),
          base.p50(),
          base.p99(),
          base.opsPerSec(),
          ratio(base.p50(), en.p50()),
          ratio(base.p99(), en.p99()),
          ratio(en.opsPerSec(), base.opsPerSec()));
    }
    out.println();
  }

  /** "12.3×" faster when above 1, "0.4×" (slower) when below. */
  static String ratio(double a, double b) {
    return String.format("%.2f×", a / b);
  }
}
