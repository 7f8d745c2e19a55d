package io.hubpolicy.bench;

import io.hubpolicy.workload.WorkloadGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run memory [--profiles 10,100,1000,10000] [--seconds 20]} (or {@code --largest}, see
 * {@link LargestConfigBench}): resident memory and heap of {@code serve} after load, per
 * configuration size. Load keeps four requests outstanding for the given time ({@link
 * LoadGenerator}'s closed loop); then RSS (from /proc), the heap in use (jcmd GC.heap_info), and
 * both again after a full GC (what the process really needs). Twice per size: with the JVM's
 * defaults on this machine (max heap = 1/4 of RAM, so the heap grows lazily), and with the
 * container image's options ({@code container/jvm.options}) in pods limited to 512 and 768 MiB
 * ({@code -XX:MaxRAM} stands for the limit).
 */
public final class MemoryBench {
  /**
   * G1's line; Java 17 writes {@code total N K}, Java 25 {@code total reserved R K, committed N K}.
   */
  static final Pattern HEAP_USED =
      Pattern.compile("heap\\s+total (?:reserved \\d+K, committed )?(\\d+)K, used (\\d+)K");

  /** ZGC's form of it (the image's collector): {@code ZHeap used 6M, capacity 378M, ...}. */
  static final Pattern ZHEAP_USED = Pattern.compile("ZHeap\\s+used (\\d+)M, capacity (\\d+)M");

  /** A way of running the service; {@code rulesCache} is its compiled rules' directory, or null. */
  record Variant(String label, List<String> jvmArgs, Path rulesCache) {
    Variant(String label, List<String> jvmArgs) {
      this(label, jvmArgs, null);
    }
  }

  static final List<Variant> VARIANTS =
      List.of(
          new Variant("JVM defaults", List.of()),
          new Variant("image, pod limit 512 MiB", ContainerJvm.inPod(512)),
          new Variant(
              "image, pod limit " + ContainerJvm.POD_LIMIT_MIB + " MiB",
              ContainerJvm.inPod(ContainerJvm.POD_LIMIT_MIB)));

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    List<Integer> sizes = new ArrayList<>(smoke ? List.of(50) : List.of(10, 100, 1_000, 10_000));
    int seconds = smoke ? 2 : 20;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--profiles") && i + 1 < args.size()) {
        sizes.clear();
        sizes.addAll(Bench.ints(args.get(++i)));
      } else if (a.equals("--seconds") && i + 1 < args.size()) {
        seconds = Integer.parseInt(args.get(++i));
      } else if (a.equals("--largest")) {
        LargestConfigBench.run(smoke, report);
        return;
      } else {
        throw Bench.usage("memory", "unknown option " + a);
      }
    }
    report.printf(
        "After %d s of load (4 requests outstanding at all times, `POST /v1/decisions?explain=none`, generated workload seed 42). RSS from"
            + " /proc/PID/status; heap from `jcmd PID GC.heap_info`; \"after GC\" follows"
            + " `jcmd PID GC.run`.%n%n",
        seconds);
    for (Variant v : VARIANTS.subList(1, VARIANTS.size())) {
      report.printf("- %s: %s%n", v.label(), ContainerJvm.describe(v.jvmArgs()));
    }
    report.println();
    report.println(
        "| profiles | JVM | decisions served | RSS MiB | heap used MiB | heap committed MiB |"
            + " after GC: heap used MiB | after GC: RSS MiB |");
    report.println("|---:|---|---:|---:|---:|---:|---:|---:|");
    Path work = Files.createTempDirectory("hubpolicy-memory");
    List<Variant> variants = new ArrayList<>(smoke ? VARIANTS.subList(0, 1) : VARIANTS);
    if (!smoke) {
      // The image as it runs: its AOT cache (mapped into the process, so its pages count in the
      // resident set) and its compiled rules, trained as the Dockerfile trains them.
      Path training = work.resolve("aot-training");
      for (String dir : List.of("profiles", "rules")) {
        StartupBench.copyTree(Path.of(dir), training.resolve(dir));
      }
      Path rulesCache = training.resolve("rules-cache");
      Path aot =
          ContainerJvm.trainAotCache(
              ServeProcess.JAR.toAbsolutePath(),
              training,
              training.resolve("hubpolicy.aot"),
              rulesCache);
      List<String> image = new ArrayList<>(ContainerJvm.inPod(ContainerJvm.POD_LIMIT_MIB));
      image.add("-XX:AOTCache=" + aot);
      variants.add(
          new Variant(
              "the image (AOT cache, compiled rules), pod limit "
                  + ContainerJvm.POD_LIMIT_MIB
                  + " MiB",
              image,
              rulesCache));
    }
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 4_096, 42);
      Path profiles = work.resolve("profiles-" + n + ".yaml");
      Files.writeString(profiles, w.yaml());
      for (Variant v : variants) {
        System.err.printf("bench memory: %d profiles, %s...%n", n, v.label());
        try (ServeProcess serve =
            ServeProcess.start(
                work.resolve(n + "-" + v.label().replaceAll("[^A-Za-z0-9]+", "-")),
                v.jvmArgs(),
                serveArgs(v, profiles))) {
          long served =
              load(
                  serve,
                  w.requests().stream().map(WorkloadGenerator::requestBody).toList(),
                  seconds);
          long rss = serve.rssBytes();
          long[] heap = heap(serve.pid(), false);
          long[] afterGc = heap(serve.pid(), true);
          long rssAfter = serve.rssBytes();
          report.printf(
              "| %,d | %s | %,d | %.0f | %.0f | %.0f | %.0f | %.0f |%n",
              n,
              v.label(),
              served,
              mib(rss),
              mib(heap[1]),
              mib(heap[0]),
              mib(afterGc[1]),
              mib(rssAfter));
        }
      }
    }
    report.println();
  }

  /** The profiles, and the compiled rules' directory when the variant names one. */
  static List<String> serveArgs(Variant v, Path profiles) {
    List<String> args = new ArrayList<>(List.of("--profiles", profiles.toString()));
    if (v.rulesCache() != null) {
      args.addAll(List.of("--rules-cache", v.rulesCache().toString()));
    }
    return args;
  }

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  /** Four requests outstanding at all times (LoadGenerator's closed loop) for {@code seconds}. */
  static long load(ServeProcess serve, List<String> bodies, int seconds) throws Exception {
    try (LoadGenerator g =
        new LoadGenerator(
            new LoadGenerator.Target(
                URI.create(serve.url() + ServeProcess.DECISIONS), serve.token(), bodies),
            new LoadGenerator.Settings(4, 4, Duration.ofSeconds(10)))) {
      LoadGenerator.Result r = g.closedLoop(4, Duration.ofSeconds(seconds), null);
      if (r.failed() > 0) {
        throw new IOException(
            "requests failed during the load (" + r.failures() + "):\n" + serve.logTail(20));
      }
      return r.ok200() + r.denied403();
    }
  }

  /** {committed, used} heap bytes, optionally after a full GC. */
  static long[] heap(long pid, boolean gcFirst) throws Exception {
    if (gcFirst) {
      jcmd(pid, "GC.run");
    }
    String info = jcmd(pid, "GC.heap_info");
    Matcher z = ZHEAP_USED.matcher(info);
    if (z.find()) {
      long mib = 1024L * 1024;
      return new long[] {Long.parseLong(z.group(2)) * mib, Long.parseLong(z.group(1)) * mib};
    }
    Matcher m = HEAP_USED.matcher(info);
    if (!m.find()) {
      throw new IOException("cannot read the heap of " + pid);
    }
    return new long[] {Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024};
  }

  static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + command + " failed: " + out);
    }
    return out;
  }
}
