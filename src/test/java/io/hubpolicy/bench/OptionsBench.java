package io.hubpolicy.bench;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.api.TestEdges;
import io.hubpolicy.catalog.Catalog;
import io.hubpolicy.catalog.ConfiguredCatalogs;
import io.hubpolicy.catalog.NodeSource;
import io.hubpolicy.catalog.SizeCatalog;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.model.NotebookImage;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code bench/run options [--profiles 1000] [--images 1000] [--calls 20000]}: what the spawn page
 * costs the service, in process: {@code GET /v1/options} for one user (images offered to them out
 * of a catalog of N image tags, sizes, GPU choices, saved choices and the preview of the selected
 * ones) and {@code POST /v1/previews} (a decision, not recorded), against a plain decision. Each
 * call is timed on its own, after a warm-up; percentiles over all calls.
 */
final class OptionsBench {
  private OptionsBench() {}

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    int profiles = 1_000;
    int images = 1_000;
    int calls = smoke ? 200 : 20_000;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--profiles") && i + 1 < args.size()) {
        profiles = Integer.parseInt(args.get(++i));
      } else if (a.equals("--images") && i + 1 < args.size()) {
        images = Integer.parseInt(args.get(++i));
      } else if (a.equals("--calls") && i + 1 < args.size()) {
        calls = Integer.parseInt(args.get(++i));
      } else {
        throw Bench.usage("options", "unknown option " + a);
      }
    }
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, 4_096, 42);
    List<Problem> problems = new ArrayList<>();
    List<RuleSource> rules = RuleSource.fromPaths(List.of(Path.of("rules")), problems);
    RuleBase rb =
        new RuleBaseBuilder().build(List.of(new ConfigSource("workload.yaml", w.yaml())), rules);
    DecisionService decisions =
        new DecisionService(new DecisionEngine(rb), new PodMutator(), AuditLog.NONE);
    Catalog catalog = catalog(images);
    PolicyCalls calls1 =
        TestEdges.calls(
            decisions, new ConfiguredCatalogs(config -> catalog, new SizeCatalog(NodeSource.NONE)));
    List<SpawnRequest> requests = w.requests();
    String[] bodies = new String[requests.size()];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = WorkloadGenerator.requestBody(requests.get(i));
    }
    report.printf(
        "In process, %,d generated profiles (seed 42), a catalog of %,d image tags; %,d calls of"
            + " each after %,d of warm-up; each call timed on its own (microseconds).%n%n",
        profiles, images, calls, calls / 4);
    report.println("| call | p50 µs | p90 µs | p99 µs | max µs |");
    report.println("|---|---:|---:|---:|---:|");
    int[] n = {0};
    row(
        report,
        "`GET /v1/options` (one user: images, sizes, GPUs, saved choices, preview)",
        calls,
        () -> {
          SpawnRequest r = requests.get(n[0]++ % requests.size());
          return calls1.options(r.user(), r.groups()).get();
        });
    row(
        report,
        "`POST /v1/previews` (a decision, not recorded, and the GPU grant)",
        calls,
        () -> calls1.preview(DecideCall.parse(bodies[n[0]++ % bodies.length])).get());
    row(
        report,
        "`POST /v1/decisions?explain=none` (for comparison)",
        calls,
        () ->
            calls1
                .decide(DecideCall.parse(bodies[n[0]++ % bodies.length]), DecisionJson.Explain.NONE)
                .get());
    report.println();
  }

  /** A catalog of {@code n} image tags: 50 streams of n/50 tags. */
  static Catalog catalog(int n) {
    List<NotebookImage> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String stream = "img-" + (i % WorkloadGenerator.IMAGES);
      String tag = "t" + (i / WorkloadGenerator.IMAGES);
      images.add(
          new NotebookImage(
              stream + ":" + tag,
              stream,
              tag,
              stream,
              "an image",
              null,
              i,
              List.of(),
              List.of(),
              i == 0,
              null));
    }
    return new Catalog(images, List.of(), Catalog.IMAGE_STREAMS);
  }

  private static void row(PrintStream report, String what, int calls, Supplier<Object> call) {
    for (int i = 0; i < calls / 4; i++) {
      call.get();
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      call.get();
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    report.printf(
        "| %s | %.1f | %.1f | %.1f | %.1f |%n",
        what, at(nanos, 0.5), at(nanos, 0.9), at(nanos, 0.99), nanos[nanos.length - 1] / 1e3);
    System.err.printf("bench options: %s done%n", what);
  }

  private static double at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e3;
  }
}
