package io.hubpolicy.bench;

import io.hubpolicy.format.Texts;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bench/run memory --largest}: the largest configuration {@code serve} accepts (one source
 * just under {@link Texts#MAX_SOURCE_BYTES}), loaded and then replaced three times under load, in a
 * JVM set up as the container image sets it in a pod with the deployment's memory limit. Reports
 * the peak resident set (VmHWM), which must stay under that limit, and that every change was taken
 * and no request failed.
 */
final class LargestConfigBench {
  /** deploy/base/deployment.yaml's memory limit, in MiB. */
  static final int POD_LIMIT_MIB = ContainerJvm.POD_LIMIT_MIB;

  /** The image's JVM options (container/jvm.options), in a pod with that limit. */
  static final List<String> POD_JVM = ContainerJvm.inPod(POD_LIMIT_MIB);

  private LargestConfigBench() {}

  static void run(boolean smoke, PrintStream report) throws Exception {
    int changes = smoke ? 1 : 3;
    Path work = Files.createTempDirectory("hubpolicy-largest");
    // As many generated profiles as fit just under the limit (names grow with their number, so
    // the size per profile does too: a few rounds of scaling).
    int n = smoke ? 2_000 : 50_000;
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 4_096, 42);
    for (int round = 0; !smoke && round < 5; round++) {
      double fill =
          Texts.MAX_SOURCE_BYTES * 0.98 / w.yaml().getBytes(StandardCharsets.UTF_8).length;
      if (fill >= 1 && fill < 1.02) {
        break;
      }
      n = (int) (n * fill);
      w = WorkloadGenerator.generate(n, 4_096, 42);
    }
    WorkloadGenerator.Workload workload = w;
    Path file = work.resolve("profiles.yaml");
    Files.writeString(file, w.yaml());
    long bytes = Files.size(file);
    System.err.printf("bench memory --largest: %,d profiles, %,d bytes%n", n, bytes);
    try (ServeProcess serve =
        ServeProcess.start(
            work.resolve("serve"),
            POD_JVM,
            List.of("--profiles", file.toString(), "--audit-log", "none"))) {
      long startedPeak = serve.peakRssBytes();
      CompletableFuture<Long> load =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return MemoryBench.load(
                      serve,
                      workload.requests().stream().map(WorkloadGenerator::requestBody).toList(),
                      smoke ? 10 : 60);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      String revision = revision(serve);
      int taken = 0;
      for (int i = 1; i <= changes; i++) {
        Thread.sleep(smoke ? 1_000 : 5_000);
        Path next = work.resolve("next.yaml");
        Files.writeString(next, w.yaml().replaceFirst("value: '", "value: 'change" + i));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        String before = revision;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (revision.equals(before) && System.nanoTime() < deadline) {
          Thread.sleep(200);
          revision = revision(serve);
        }
        if (!revision.equals(before)) {
          taken++;
        }
      }
      long served = load.get();
      long peak = serve.peakRssBytes();
      report.printf(
          "One source of %,d bytes (%,d generated profiles, seed 42; the limit is %d MiB), JVM %s"
              + " (the Dockerfile's settings in a pod limited to %d MiB); closed-loop load of 4"
              + " requests outstanding while the file is replaced %d times.%n%n",
          bytes,
          n,
          Texts.MAX_SOURCE_BYTES >> 20,
          String.join(" ", POD_JVM),
          POD_LIMIT_MIB,
          changes);
      report.println(
          "| peak RSS after start MiB | peak RSS overall MiB | pod limit MiB | changes taken |"
              + " decisions served, none failed |");
      report.println("|---:|---:|---:|---:|---:|");
      report.printf(
          "| %.0f | %.0f | %d | %d of %d | %,d |%n%n",
          MemoryBench.mib(startedPeak),
          MemoryBench.mib(peak),
          POD_LIMIT_MIB,
          taken,
          changes,
          served);
      if (taken != changes) {
        throw new IllegalStateException(
            taken + " of " + changes + " changes were taken:\n" + serve.logTail(20));
      }
    }
  }

  private static String revision(ServeProcess serve) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(serve.url() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
