package io.hubpolicy.bench;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code bench/run steps}: what one decision allocates and how much CPU it takes at each step of
 * {@code POST /v1/decisions} short of HTTP, in process, one thread, on the generated workload:
 * reading the request's JSON, deciding (the engine), writing the answer, and recording the audit
 * line (written to a file in a temporary directory, by the audit log's own thread). Allocation and
 * CPU are the thread's own ({@code com.sun.management.ThreadMXBean}) around each step, summed over
 * the measured decisions after the warm-up ones. Allocation is what sets how often the service's
 * young collections come (BENCHMARKS.md §3, sixth session). Options: {@code --profiles 1000,10000},
 * {@code --decisions N} (measured; as many again warm up).
 */
final class StepsBench {
  private StepsBench() {}

  private static final String[] STEPS = {
    "request JSON read", "decision (engine)", "answer written", "audit line recorded"
  };

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    // One size per run by default: a smaller size run first leaves the JIT's profiles to the
    // larger one, which then measures slower (~40 % more CPU at 10,000 after 1,000).
    List<Integer> sizes = smoke ? List.of(100) : List.of(10000);
    int decisions = smoke ? 200 : 30_000;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--profiles") && i + 1 < args.size()) {
        sizes = Bench.ints(args.get(++i));
      } else if (args.get(i).equals("--decisions") && i + 1 < args.size()) {
        decisions = Bench.ints(args.get(++i)).get(0);
      } else {
        throw Bench.usage("steps", "unknown option " + args.get(i));
      }
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    report.printf(
        "One thread, %,d decisions of the generated workload (2,000 requests, seed 42,"
            + " `?explain=none`) after %,d of warm-up; per decision, the thread's own allocation"
            + " and CPU around each step.%n%n",
        decisions, decisions);
    report.println("| profiles | step | KB allocated | µs of CPU |");
    report.println("|---:|---|---:|---:|");
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 2000, 42);
      RuleBase rb = Engines.ruleBase(w.yaml());
      List<String> bodies = w.requests().stream().map(WorkloadGenerator::requestBody).toList();
      Path dir = Files.createTempDirectory("hubpolicy-steps");
      AuditLog log = AuditLog.toFile(dir.resolve("audit.jsonl"));
      DecisionService service = new DecisionService(new DecisionEngine(rb), new PodMutator(), log);
      long[] bytes = new long[STEPS.length];
      long[] nanos = new long[STEPS.length];
      long sink = 0;
      try {
        for (int i = 0; i < 2 * decisions; i++) {
          long[] a = new long[STEPS.length + 1];
          long[] c = new long[STEPS.length + 1];
          a[0] = threads.getCurrentThreadAllocatedBytes();
          c[0] = threads.getCurrentThreadCpuTime();
          DecideCall call = DecideCall.parse(bodies.get(i % bodies.size()));
          a[1] = threads.getCurrentThreadAllocatedBytes();
          c[1] = threads.getCurrentThreadCpuTime();
          Decision d = service.preview(call.request());
          a[2] = threads.getCurrentThreadAllocatedBytes();
          c[2] = threads.getCurrentThreadCpuTime();
          sink += service.answer(d, call, DecisionJson.Explain.NONE).utf8().length;
          a[3] = threads.getCurrentThreadAllocatedBytes();
          c[3] = threads.getCurrentThreadCpuTime();
          service.audit(d);
          a[4] = threads.getCurrentThreadAllocatedBytes();
          c[4] = threads.getCurrentThreadCpuTime();
          if (i >= decisions) {
            for (int k = 0; k < STEPS.length; k++) {
              bytes[k] += a[k + 1] - a[k];
              nanos[k] += c[k + 1] - c[k];
            }
          }
        }
      } finally {
        log.close();
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.delete(f);
          }
        }
        Files.delete(dir);
      }
      long totalBytes = 0;
      long totalNanos = 0;
      for (int k = 0; k < STEPS.length; k++) {
        report.printf(
            "| %,d | %s | %.1f | %.1f |%n",
            n, STEPS[k], bytes[k] / 1024.0 / decisions, nanos[k] / 1000.0 / decisions);
        totalBytes += bytes[k];
        totalNanos += nanos[k];
      }
      report.printf(
          "| %,d | **total** | **%.1f** | **%.1f** |%n",
          n, totalBytes / 1024.0 / decisions, totalNanos / 1000.0 / decisions);
      if (sink == 0) {
        throw new IllegalStateException("no answer was written");
      }
    }
  }
}
