package io.hubpolicy.bench;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.ReferenceMerge;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * In-process decision latency against the plain-loop baseline, per configuration size. A plain
 * benchmark (JMH comes with the benchmarks issue); it prints a Markdown table.
 *
 * <pre>
 * mvn -B -q package -DskipTests && mvn -B -q test-compile
 * java -cp target/test-classes:target/hubpolicy.jar io.hubpolicy.bench.DecisionBench [N...]
 * </pre>
 */
public final class DecisionBench {
  public record Row(
      int profiles, long buildMillis, double avgMatches, long[] engine, long[] baseline) {}

  public static void main(String[] args) {
    int[] sizes =
        args.length == 0
            ? new int[] {10, 100, 1_000, 10_000}
            : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    List<Row> rows = new ArrayList<>();
    for (int n : sizes) {
      rows.add(run(n, 20_000, 100_000, System.err));
    }
    print(rows, System.out);
  }

  public static Row run(int profiles, int warmup, int measured, PrintStream progress) {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, 4_096, 42);
    long t0 = System.nanoTime();
    RuleBase rb =
        new RuleBaseBuilder()
            .build(List.of(new ConfigSource("generated.yaml", w.yaml())), Engines.builtinRules());
    long buildMillis = (System.nanoTime() - t0) / 1_000_000;
    progress.printf("%d profiles: rule base built in %d ms; measuring...%n", profiles, buildMillis);
    List<SpawnRequest> reqs = w.requests();
    long matches = 0;
    for (SpawnRequest r : reqs) {
      matches += rb.matching(r).size();
    }
    long[] engine = measure(reqs, warmup, measured, r -> DecisionEngine.decide(r, rb));
    long[] baseline =
        Boolean.parseBoolean(System.getProperty("bench.baseline", "true"))
            ? measure(reqs, warmup, measured, r -> ReferenceMerge.decide(rb.config(), r))
            : new long[] {0};
    return new Row(profiles, buildMillis, (double) matches / reqs.size(), engine, baseline);
  }

  /** Latencies in nanoseconds, sorted. */
  static long[] measure(
      List<SpawnRequest> reqs, int warmup, int measured, Consumer<SpawnRequest> op) {
    for (int i = 0; i < warmup; i++) {
      op.accept(reqs.get(i % reqs.size()));
    }
    long[] lat = new long[measured];
    for (int i = 0; i < measured; i++) {
      SpawnRequest r = reqs.get(i % reqs.size());
      long s = System.nanoTime();
      op.accept(r);
      lat[i] = System.nanoTime() - s;
    }
    Arrays.sort(lat);
    return lat;
  }

  static long pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
  }

  static double us(long nanos) {
    return nanos / 1000.0;
  }

  public static void print(List<Row> rows, PrintStream out) {
    out.println(
        "| profiles | avg matches | engine p50 / p99 µs | plain loop p50 / p99 µs | p50 ratio (loop/engine) | rule base build |");
    out.println("|---:|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      out.printf(
          "| %,d | %.1f | %.1f / %.1f | %.1f / %.1f | %.2f× | %,d ms |%n",
          r.profiles(),
          r.avgMatches(),
          us(pct(r.engine(), 0.5)),
          us(pct(r.engine(), 0.99)),
          us(pct(r.baseline(), 0.5)),
          us(pct(r.baseline(), 0.99)),
          (double) pct(r.baseline(), 0.5) / pct(r.engine(), 0.5),
          r.buildMillis());
    }
  }
}
