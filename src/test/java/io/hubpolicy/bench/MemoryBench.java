package io.hubpolicy.bench;

import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run memory [--profiles 10,100,1000,10000] [--seconds 20]}: resident memory and heap
 * of {@code serve} after load, per configuration size. Load is four closed-loop clients for the
 * given time; then RSS (from /proc), the heap in use (jcmd GC.heap_info), and both again after a
 * full GC (what the process really needs). Twice per size: with the JVM's defaults on this machine
 * (max heap = 1/4 of RAM, so the heap grows lazily), and as the container image runs it in a pod
 * limited to 512 MiB ({@code -XX:MaxRAM=512m -XX:MaxRAMPercentage=75}, as in the Dockerfile).
 */
public final class MemoryBench {
  static final Pattern HEAP_USED = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");

  record Variant(String label, List<String> jvmArgs) {}

  static final List<Variant> VARIANTS =
      List.of(
          new Variant("JVM defaults", List.of()),
          new Variant("pod limit 512 MiB", List.of("-XX:MaxRAM=512m", "-XX:MaxRAMPercentage=75")));

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    List<Integer> sizes = new ArrayList<>(smoke ? List.of(50) : List.of(10, 100, 1_000, 10_000));
    int seconds = smoke ? 2 : 20;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--profiles") && i + 1 < args.size()) {
        sizes.clear();
        for (String s : args.get(++i).split(",")) {
          sizes.add(Integer.parseInt(s.trim()));
        }
      } else if (a.equals("--seconds") && i + 1 < args.size()) {
        seconds = Integer.parseInt(args.get(++i));
      } else {
        throw Bench.usage("memory", "unknown option " + a);
      }
    }
    report.printf(
        "After %d s of load (4 closed-loop HTTP clients, `POST /v1/decisions?explain=none`, generated workload seed 42). RSS from"
            + " /proc/PID/status; heap from `jcmd PID GC.heap_info`; \"after GC\" follows"
            + " `jcmd PID GC.run`.%n%n",
        seconds);
    report.println(
        "| profiles | JVM | decisions served | RSS MiB | heap used MiB | heap committed MiB |"
            + " after GC: heap used MiB | after GC: RSS MiB |");
    report.println("|---:|---|---:|---:|---:|---:|---:|---:|");
    Path work = Files.createTempDirectory("hubpolicy-memory");
    for (int n : sizes) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 4_096, 42);
      Path profiles = work.resolve("profiles-" + n + ".yaml");
      Files.writeString(profiles, w.yaml());
      for (Variant v : smoke ? VARIANTS.subList(0, 1) : VARIANTS) {
        System.err.printf("bench memory: %d profiles, %s...%n", n, v.label());
        try (ServeProcess serve =
            ServeProcess.start(
                work.resolve(n + "-" + v.label().replace(' ', '-')),
                v.jvmArgs(),
                List.of("--profiles", profiles.toString()))) {
          long served = load(serve, bodies(w.requests()), seconds);
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

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  static List<String> bodies(List<SpawnRequest> requests) {
    return requests.stream().map(WorkloadGenerator::requestBody).toList();
  }

  /** Four clients, each sending the next request when the last one is answered. */
  static long load(ServeProcess serve, List<String> bodies, int seconds) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI uri = URI.create(serve.url() + ServeProcess.DECISIONS);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int offset = t * 1009;
      Thread th =
          new Thread(
              () -> {
                int i = offset;
                while (System.nanoTime() < end) {
                  HttpRequest req =
                      HttpRequest.newBuilder(uri)
                          .header("Authorization", "Bearer " + serve.token())
                          .header("Content-Type", "application/json")
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  bodies.get(i++ % bodies.size()), StandardCharsets.UTF_8))
                          .build();
                  try {
                    int status =
                        client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
                    (status == 200 || status == 403 ? ok : failed).incrementAndGet();
                  } catch (IOException e) {
                    failed.incrementAndGet();
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      th.start();
      threads.add(th);
    }
    for (Thread th : threads) {
      th.join();
    }
    if (failed.get() > 0) {
      throw new IOException(
          failed.get() + " requests failed during the load:\n" + serve.logTail(20));
    }
    return ok.get();
  }

  /** {committed, used} heap bytes, optionally after a full GC. */
  static long[] heap(long pid, boolean gcFirst) throws Exception {
    if (gcFirst) {
      jcmd(pid, "GC.run");
    }
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
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
