package io.hubpolicy.bench;

import io.hubpolicy.authoring.Lint;
import io.hubpolicy.authoring.LintCode.Severity;
import io.hubpolicy.authoring.LintReport;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code bench/run lint}: {@code hubpolicy lint} on the generated workload's configuration (seed
 * 42), in process, one thread: the whole run as the command does it (load and compile as {@code
 * validate} does, then every lint check) and the lint checks alone, on what the load made. Wall
 * clock per run; the median and the worst of the measured runs after warm-up runs. The target:
 * 10,000 profiles in ≤ 5 s. Options: {@code --profiles 1000,10000}.
 */
final class LintBench {
  private LintBench() {}

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    List<Integer> sizes = smoke ? List.of(200) : List.of(1000, 10000);
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--profiles") && i + 1 < args.size()) {
        sizes = Bench.ints(args.get(++i));
      } else {
        throw Bench.usage("lint", "unknown option " + args.get(i));
      }
    }
    int warm = smoke ? 0 : 2;
    int measured = smoke ? 1 : 5;
    List<RuleSource> rules = Engines.builtinRules();
    report.println(
        "One thread, in process; wall-clock ms per run as median / worst of "
            + measured
            + " runs after "
            + warm
            + " warm-up runs. \"lint\" is the whole command's work on the text (load,"
            + " compile the rule base, every check, the text report); \"checks\" is the lint"
            + " checks alone on what the load made. CPU is the measuring thread's own CPU"
            + " time: on a shared machine the wall clock also counts the time other processes"
            + " held the cores.");
    report.println();
    report.println(
        "| profiles | lint (whole), wall | its thread's CPU | checks alone, wall | their CPU |"
            + " findings (errors / warnings / infos) |");
    report.println("|---:|---:|---:|---:|---:|---|");
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 1, 42);
      List<ConfigSource> profiles = List.of(new ConfigSource("profiles.yaml", w.yaml()));
      Lint.Input in = new Lint.Input(profiles, rules);
      long[] whole = new long[measured];
      long[] checks = new long[measured];
      long[] wholeCpu = new long[measured];
      long[] checksCpu = new long[measured];
      java.lang.management.ThreadMXBean cpu =
          java.lang.management.ManagementFactory.getThreadMXBean();
      LintReport last = null;
      long sink = 0;
      for (int round = 0; round < warm + measured; round++) {
        System.err.println("bench lint: " + n + " profiles, run " + (round + 1));
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        RuleBaseBuilder.Report built = new RuleBaseBuilder().check(in.profiles(), in.rules());
        LintReport r = Lint.run(in, built);
        sink += r.text().length();
        long t1 = System.nanoTime();
        long c1 = cpu.getCurrentThreadCpuTime();
        LintReport again = Lint.run(in, built);
        long t2 = System.nanoTime();
        long c2 = cpu.getCurrentThreadCpuTime();
        sink += again.findings().size();
        if (round >= warm) {
          whole[round - warm] = t1 - t0;
          checks[round - warm] = t2 - t1;
          wholeCpu[round - warm] = c1 - c0;
          checksCpu[round - warm] = c2 - c1;
        }
        last = r;
      }
      Map<Severity, Integer> c = last.counts();
      report.printf(
          "| %,d | %s | %s | %s | %s | %,d / %,d / %,d |%n",
          n,
          show(whole),
          show(wholeCpu),
          show(checks),
          show(checksCpu),
          c.get(Severity.ERROR),
          c.get(Severity.WARNING),
          c.get(Severity.INFO));
      if (sink == 42) {
        report.println();
      }
    }
  }

  private static String show(long[] ns) {
    long[] s = Arrays.stream(ns).sorted().toArray();
    return String.format("%,.0f / %,.0f", s[s.length / 2] / 1e6, s[s.length - 1] / 1e6);
  }
}
