package io.hubpolicy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run startup [--runs 7] [--image-only]}: time from starting {@code java -jar
 * hubpolicy.jar serve} to the first answered decision, with the configuration the image has in
 * /config (the repository's profiles/ and rules/, copied into the working directory; until
 * 2026-12-04 it ran from an empty directory, on the copy built into the jar). The client knocks on
 * the port every 2 ms; the clock starts before the process is created. Also as the container image
 * starts it: its JVM options ({@code container/jvm.options}), its compiled-rules cache ({@code
 * HUBPOLICY_RULES_CACHE}) and its AOT cache, both made here by the script the Dockerfile runs
 * ({@code container/aot-train}); and the image's options with the rules cache but no AOT cache,
 * which shows what each cache is worth.
 */
public final class StartupBench {
  static final String BODY =
      "{\"user\":\"ana\",\"groups\":[\"data-team\"],\"image\":\"s2i-minimal-notebook:3.6\","
          + "\"size\":\"Default\"}";

  record Run(double toListeningMs, double toDecisionMs, double clientCpuMs) {}

  /** This JVM's CPU time so far (its threads only, not the child it starts), in nanoseconds. */
  static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    int runs = smoke ? 1 : 7;
    boolean imageOnly = false;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--runs") && i + 1 < args.size()) {
        runs = Integer.parseInt(args.get(++i));
      } else if (args.get(i).equals("--image-only")) {
        // Only the image's start (options, caches), e.g. to compare two builds of it.
        imageOnly = true;
      } else {
        throw Bench.usage("startup", "unknown option " + args.get(i));
      }
    }
    Path work = Files.createTempDirectory("hubpolicy-startup");
    Path jar = ServeProcess.JAR.toAbsolutePath();
    // The image starts in /config, which holds the repository's profiles/ and rules/ (the
    // Dockerfile copies them): the same files here, not the copy built into the jar (read through
    // a zip file system, ~50 ms of a start).
    for (String dir : List.of("profiles", "rules")) {
      copyTree(Path.of(dir), work.resolve(dir));
    }
    Path aot = work.resolve("hubpolicy.aot");
    Path rulesCache = work.resolve("rules-cache");
    report.println(
        "Median of "
            + runs
            + " starts (min–max); each a new JVM in a working directory holding the repository's"
            + " profiles/ and rules/, as the image's /config does. \"Listening\" is the first"
            + " accepted"
            + " connection, \"decision\" the first 200 answer to POST /v1/decisions.");
    report.println();
    report.println(
        "| JVM options | to listening ms | to first decision ms | the bench client's CPU ms |");
    report.println("|---|---:|---:|---:|");
    if (!imageOnly) {
      List<Run> plain = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        plain.add(once(work, jar, List.of(), null));
        System.err.printf("bench startup: run %d: %.0f ms%n", i + 1, plain.get(i).toDecisionMs());
      }
      row(report, "(defaults)", plain);
    }
    if (!smoke) {
      List<String> image = ContainerJvm.inPod(ContainerJvm.POD_LIMIT_MIB);
      if (!imageOnly) {
        List<Run> noCache = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          noCache.add(once(work, jar, image, null));
        }
        row(report, "the image's options, no AOT cache: " + ContainerJvm.describe(image), noCache);
      }
      // Trained as the Dockerfile trains it: same script, JVM, jar and options (the training
      // JVM sees the whole machine, as a docker build does; the runs see the pod's limit).
      // The training fills the rules cache first (a start that compiles and keeps the rules),
      // then trains on a start that reads them, as the image's build does.
      Path cache = ContainerJvm.trainAotCache(jar, work, aot, rulesCache);
      if (!imageOnly) {
        List<Run> rulesOnly = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          rulesOnly.add(once(work, jar, image, rulesCache));
        }
        row(report, "the image's options and compiled-rules cache, no AOT cache", rulesOnly);
      }
      List<String> withCache = new ArrayList<>(image);
      withCache.add("-XX:AOTCache=" + cache);
      List<Run> cached = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        cached.add(once(work, jar, withCache, rulesCache));
        System.err.printf(
            "bench startup: image run %d: %.0f ms%n", i + 1, cached.get(i).toDecisionMs());
      }
      row(
          report,
          "**the image: its options, compiled-rules cache and AOT cache** (`container/aot-train`)",
          cached);
    }
    report.println();
  }

  static void row(PrintStream report, String label, List<Run> runs) {
    double[] listen = runs.stream().mapToDouble(Run::toListeningMs).sorted().toArray();
    double[] decide = runs.stream().mapToDouble(Run::toDecisionMs).sorted().toArray();
    double[] client = runs.stream().mapToDouble(Run::clientCpuMs).sorted().toArray();
    report.printf(
        "| %s | %.0f (%.0f–%.0f) | %.0f (%.0f–%.0f) | %.0f |%n",
        label,
        median(listen),
        listen[0],
        listen[listen.length - 1],
        median(decide),
        decide[0],
        decide[decide.length - 1],
        median(client));
  }

  static double median(double[] sorted) {
    return sorted[sorted.length / 2];
  }

  /** A copy of the directory {@code from} (files and folders) at {@code to}. */
  static void copyTree(Path from, Path to) throws IOException {
    try (java.util.stream.Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /**
   * One start: process creation to first answered decision, then a clean stop; with {@code
   * rulesCache} (unless null) as the image's {@code HUBPOLICY_RULES_CACHE}, which must then already
   * hold the rules (a start that compiled them would measure something else).
   */
  static Run once(Path work, Path jar, List<String> jvmArgs, Path rulesCache) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String token = "startup-bench-token";
    Files.writeString(work.resolve("token"), token + "\n");
    ProcessBuilder pb =
        ServeProcess.command(
                jar,
                jvmArgs,
                List.of(
                    "--port",
                    Integer.toString(port),
                    "--grpc-port",
                    "-1",
                    "--audit-log",
                    "none",
                    "--token-file",
                    work.resolve("token").toString()))
            .directory(work.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(work.resolve("serve.stderr").toFile());
    if (rulesCache != null) {
      pb.environment().put(ContainerJvm.RULES_CACHE_ENV, rulesCache.toString());
    }
    // A knock every 2 ms: a connect, and once something listens, the decision request. On a plain
    // socket (PlainHttp): on two cores this client shares the CPU with the JVM that is starting.
    PlainHttp request =
        PlainHttp.of(
            URI.create("http://127.0.0.1:" + port + ServeProcess.DECISIONS),
            "POST",
            BODY.getBytes(StandardCharsets.UTF_8),
            "Authorization",
            "Bearer " + token,
            "Content-Type",
            "application/json");
    long cpu0 = clientCpuNanos();
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      long listening = 0;
      long deadline = t0 + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IOException(
              "serve exited with "
                  + p.exitValue()
                  + ":\n"
                  + ServeProcess.tail(work.resolve("serve.stderr"), 20));
        }
        int status = request.status();
        if (status == PlainHttp.REFUSED) {
          Thread.sleep(2);
          continue;
        }
        if (listening == 0) {
          listening = System.nanoTime();
        }
        if (status == 200) {
          long done = System.nanoTime();
          if (rulesCache != null
              && !Files.readString(work.resolve("serve.stderr"))
                  .contains("rules read from cache")) {
            throw new IOException(
                "serve did not read the rules from "
                    + rulesCache
                    + ":\n"
                    + ServeProcess.tail(work.resolve("serve.stderr"), 20));
          }
          return new Run(
              (listening - t0) / 1e6, (done - t0) / 1e6, (clientCpuNanos() - cpu0) / 1e6);
        }
        if (status != 503) {
          throw new IOException("unexpected status " + status);
        }
      }
      throw new IOException("no decision within 120 s");
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }
}
