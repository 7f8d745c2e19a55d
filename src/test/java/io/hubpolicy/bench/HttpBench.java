package io.hubpolicy.bench;

import io.hubpolicy.workload.WorkloadGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bench/run http}: {@code POST /v1/decisions} on loopback against {@code serve} (the built
 * jar, its own process), with the {@link LoadGenerator}: an open loop at fixed rates, then closed
 * loops at saturation; p50/p90/p99/p99.9/max latency per rate and the highest rate whose p99 stays
 * under {@value #P99_TARGET_MS} ms.
 *
 * <p>Options: {@code --profiles N} (default 1000), {@code --rates a,b,c} (default: rising from
 * 500/s until p99 is far past the target or requests fail), {@code --seconds S} per rate (10),
 * {@code --warmup S} (15, ramping up to {@code --warmup-rate R}, 2000), {@code --connections C}
 * (16), {@code --saturation K1,K2} (closed-loop concurrencies, default 4,32), {@code
 * --max-in-flight M} (2000), {@code --explain none|fields|close|full} (none, as the hub's hooks
 * send), {@code --serve-jvm ARG} (repeatable: a JVM option for the service, e.g. a flight
 * recording).
 */
final class HttpBench {
  static final long SEED = 42;
  static final int REQUESTS = 4_096;
  static final double P99_TARGET_MS = 5;
  private static final String TARGET = "5";
  static final List<Double> DEFAULT_RATES =
      List.of(
          500.0, 1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0, 6_000.0, 7_000.0, 8_000.0, 9_000.0,
          10_000.0, 12_000.0, 14_000.0, 16_000.0, 20_000.0);

  private HttpBench() {}

  /** The options of one run. */
  record Options(
      int profiles,
      List<Double> rates,
      boolean ratesGiven,
      Duration step,
      Duration warmup,
      double warmupRate,
      int connections,
      List<Integer> saturation,
      Duration saturationTime,
      int maxInFlight,
      String explain,
      List<String> serveJvm) {

    static Options parse(List<String> args, boolean smoke) throws IOException {
      int profiles = smoke ? 50 : 1_000;
      List<Double> rates = smoke ? List.of(100.0, 200.0) : DEFAULT_RATES;
      boolean ratesGiven = false;
      Duration step = smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
      Duration warmup = smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(15);
      double warmupRate = smoke ? 200 : 2_000;
      int connections = smoke ? 4 : 16;
      List<Integer> saturation = smoke ? List.of(4) : List.of(4, 32);
      Duration saturationTime = null;
      int maxInFlight = 2_000;
      String explain = "none";
      List<String> serveJvm = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (i + 1 >= args.size()) {
          throw Bench.usage("http", "option " + a + " needs a value (or is unknown)");
        }
        String v = args.get(++i);
        switch (a) {
          case "--profiles" -> profiles = Integer.parseInt(v);
          case "--rates" -> {
            rates = Stream.of(v.split(",")).map(s -> Double.parseDouble(s.trim())).toList();
            ratesGiven = true;
          }
          case "--seconds" -> step = seconds(v);
          case "--warmup" -> warmup = seconds(v);
          case "--warmup-rate" -> warmupRate = Double.parseDouble(v);
          case "--connections" -> connections = Integer.parseInt(v);
          case "--saturation" ->
              saturation = Stream.of(v.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
          case "--max-in-flight" -> maxInFlight = Integer.parseInt(v);
          case "--explain" -> {
            if (!List.of("none", "fields", "close", "full").contains(v)) {
              throw Bench.usage("http", "--explain takes none, fields, close or full");
            }
            explain = v;
          }
          case "--serve-jvm" -> serveJvm.add(v);
          default -> throw Bench.usage("http", "unknown option " + a);
        }
      }
      return new Options(
          profiles,
          rates,
          ratesGiven,
          step,
          warmup,
          warmupRate,
          connections,
          saturation,
          saturationTime == null ? step : saturationTime,
          maxInFlight,
          explain,
          List.copyOf(serveJvm));
    }

    private static Duration seconds(String v) {
      return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
    }
  }

  /** One row of the table: a run and the CPU spent meanwhile. */
  record Row(LoadGenerator.Result result, Cpu.Usage cpu) {
    boolean meetsTarget() {
      return result.failed() == 0 && result.latencyMs(99) <= P99_TARGET_MS;
    }
  }

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    Options o = Options.parse(args, smoke);
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(o.profiles(), REQUESTS, SEED);
    List<String> bodies = w.requests().stream().map(WorkloadGenerator::requestBody).toList();
    Path dir = Files.createTempDirectory("hubpolicy-bench-http");
    Path profiles = dir.resolve("profiles.yaml");
    Files.writeString(profiles, w.yaml());
    System.err.printf(
        "bench http: %d profiles, serving from %s (audit log there too)...%n", o.profiles(), dir);
    List<Row> steps = new ArrayList<>();
    List<Row> saturation = new ArrayList<>();
    String serveFlags;
    List<LoadGenerator.Result> warm = new ArrayList<>();
    long rss;
    try (ServeProcess serve =
        ServeProcess.start(dir, o.serveJvm(), List.of("--profiles", profiles.toString()))) {
      URI url = URI.create(serve.url() + "/v1/decisions?explain=" + o.explain());
      check(url, serve, bodies.get(0));
      serveFlags = vmFlags(serve.pid());
      try (LoadGenerator g =
          new LoadGenerator(
              new LoadGenerator.Target(url, serve.token(), bodies),
              new LoadGenerator.Settings(
                  o.connections(), o.maxInFlight(), Duration.ofSeconds(5)))) {
        // A cold JVM answers a few hundred a second: ramp up in thirds (¼, ½, all of the rate)
        // so the warm-up warms the JIT instead of filling queues.
        for (double share : List.of(0.25, 0.5, 1.0)) {
          double rate = o.warmupRate() * share;
          System.err.printf(
              "bench http: warm-up, %.0f/s for %.1f s...%n", rate, o.warmup().toMillis() / 3e3);
          LoadGenerator.Result r = g.openLoop(rate, o.warmup().dividedBy(3), null);
          warm.add(r);
          System.err.println("bench http:   " + r.summary());
        }
        int over = 0;
        for (double rate : o.rates()) {
          pause();
          System.err.printf("bench http: %.0f/s for %d s...%n", rate, o.step().toSeconds());
          Cpu before = Cpu.now(serve.pid());
          LoadGenerator.Result r = g.openLoop(rate, o.step(), null);
          Row row = new Row(r, before.since(serve.pid()));
          steps.add(row);
          System.err.println("bench http:   " + r.summary() + "; " + row.cpu());
          requireAlive(serve);
          over = r.latencyMs(99) > P99_TARGET_MS ? over + 1 : 0;
          if (!o.ratesGiven()
              && !smoke
              && (r.failed() > 0
                  || r.latencyMs(99) > 4 * P99_TARGET_MS
                  || over >= 2
                  || r.achievedRate() < 0.9 * rate)) {
            System.err.println("bench http: past the target, no higher rates");
            break;
          }
        }
        for (int k : o.saturation()) {
          pause();
          System.err.printf(
              "bench http: saturation, %d connections for %d s...%n",
              k, o.saturationTime().toSeconds());
          Cpu before = Cpu.now(serve.pid());
          LoadGenerator.Result r = g.closedLoop(k, o.saturationTime(), null);
          Row row = new Row(r, before.since(serve.pid()));
          saturation.add(row);
          System.err.println("bench http:   " + r.summary() + "; " + row.cpu());
          requireAlive(serve);
        }
      }
      rss = serve.rssBytes();
    } finally {
      deleteTree(dir);
    }
    print(o, w, serveFlags, warm, steps, saturation, rss, report);
  }

  /** One request before the load, so a misconfiguration fails with its reason. */
  private static void check(URI url, ServeProcess serve, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> resp =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(url)
                    .header("Authorization", "Bearer " + serve.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200 && resp.statusCode() != 403
        || resp.statusCode() == 200 && !resp.body().contains("\"revision\":\"")) {
      throw new IOException(
          "bench http: a first decision answered "
              + resp.statusCode()
              + ": "
              + resp.body()
              + "\n"
              + serve.logTail(20));
    }
  }

  private static void requireAlive(ServeProcess serve) throws IOException {
    if (!serve.isAlive()) {
      throw new IOException("bench http: serve exited\n" + serve.logTail(30));
    }
  }

  /** Lets the previous step's stragglers, GC and queues settle. */
  private static void pause() throws InterruptedException {
    Thread.sleep(1_000);
  }

  /** The service JVM's flags as it resolved them (heap size, GC), from jcmd. */
  static String vmFlags(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.flags")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return "(jcmd VM.flags failed: " + out.strip() + ")";
      }
      // "<pid>:" then one line of flags
      return out.lines()
          .filter(l -> l.startsWith("-"))
          .collect(Collectors.joining(" "))
          .replaceAll("\\s+", " ")
          .strip();
    } catch (IOException e) {
      return "(no jcmd: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  static void print(
      Options o,
      WorkloadGenerator.Workload w,
      String serveFlags,
      List<LoadGenerator.Result> warm,
      List<Row> steps,
      List<Row> saturation,
      long rssBytes,
      PrintStream out) {
    long denied = steps.stream().mapToLong(r -> r.result().denied403()).sum();
    long answered =
        steps.stream().mapToLong(r -> r.result().ok200() + r.result().denied403()).sum();
    out.printf(
        Locale.ROOT,
        "`POST /v1/decisions?explain=%s` over loopback HTTP/1.1 against `serve` (the built jar, its"
            + " own JVM, audit log on, token auth); %,d generated profiles (seed %d), %,d"
            + " requests cycled (%.0f%% of them denied: 403). Load generator: one JVM, one Vert.x"
            + " event loop, %d keep-alive connections, at most %,d requests in flight; %s per"
            + " rate after a %s warm-up (a third each at ¼, ½ and all of %,.0f/s). **The load generator shares the same %d"
            + " cores with the service.**%n%n",
        o.explain(),
        o.profiles(),
        SEED,
        w.requests().size(),
        answered == 0 ? 0.0 : 100.0 * denied / answered,
        o.connections(),
        o.maxInFlight(),
        human(o.step()),
        human(o.warmup()),
        o.warmupRate(),
        Runtime.getRuntime().availableProcessors());
    out.println(
        "How it works: in the open loop, request *i* is due at start + *i*/rate whether or not"
            + " earlier ones have been answered; each latency runs from the request's *intended*"
            + " send time to the end of its response, so time spent queued (in the service, behind"
            + " a busy connection, or in a late generator) is counted rather than hidden (no"
            + " coordinated omission). A request due while the in-flight cap is reached is"
            + " dropped and counts as failed. *gen lag* is how late the generator itself picked"
            + " requests up (its own CPU shortage). The saturation rows are closed loops: K"
            + " requests always outstanding, latency from the actual send: throughput, not what a"
            + " caller at that rate would see. CPU is per process over the step, 100% = one core; *machine*"
            + " is every process and the kernel: well above service + generator means something"
            + " else was running.");
    out.println();
    List<String> generatorArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
    out.println("Service JVM: `" + (o.serveJvm().isEmpty() ? "(defaults)" : o.serveJvm()) + "`,");
    out.println("resolved flags: `" + serveFlags + "`.");
    out.println(
        "Generator JVM: `"
            + (generatorArgs.isEmpty() ? "(defaults)" : String.join(" ", generatorArgs))
            + "`, GC "
            + ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining("/"))
            + ". Service RSS at the end: "
            + rssBytes / (1024 * 1024)
            + " MiB.");
    out.println();
    out.println(
        "| target /s | achieved /s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | 200 | 403 |"
            + " failed | gen lag p99 ms | service CPU | generator CPU | machine CPU |");
    out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Row r : steps) {
      out.println(row(String.format(Locale.ROOT, "%,.0f", r.result().targetRate()), r));
    }
    for (Row r : saturation) {
      out.println(row("saturation (" + r.result().concurrency() + " conns)", r));
    }
    out.println();
    if (Stream.concat(steps.stream(), saturation.stream()).anyMatch(r -> r.cpu().otherLoad())) {
      out.printf(
          Locale.ROOT,
          "⚠ other processes took %.0f%% of a core or more during the steps marked so (machine"
              + " CPU above service + generator): their figures are not the service's alone; run"
              + " again on a quiet machine.%n%n",
          Cpu.OTHER_LOAD_PERCENT);
    }
    double best =
        steps.stream()
            .filter(Row::meetsTarget)
            .mapToDouble(r -> r.result().targetRate())
            .max()
            .orElse(Double.NaN);
    out.println(
        Double.isNaN(best)
            ? "max rate with p99 < " + TARGET + " ms: none of the tested rates"
            : String.format(
                Locale.ROOT,
                "max rate with p99 < %s ms: %,.0f/s (highest tested rate with p99 ≤ %s ms and no"
                    + " failed request)",
                TARGET,
                best,
                TARGET));
    String missedBelow =
        steps.stream()
            .filter(r -> r.result().targetRate() < best && !r.meetsTarget())
            .map(
                r ->
                    String.format(
                        Locale.ROOT,
                        "%,.0f/s (p99 %s ms)",
                        r.result().targetRate(),
                        fmt(r.result().latencyMs(99))))
            .collect(Collectors.joining(", "));
    if (!missedBelow.isEmpty()) {
      out.println();
      out.println(
          "but lower rates missed it: "
              + missedBelow
              + ". A "
              + human(o.step())
              + " step holds only a few dozen stalls (GC pauses, the scheduler): near the limit"
              + " its p99 varies from run to run; longer steps (--seconds 30) steady it.");
    }
    steps.stream()
        .filter(r -> r.result().failed() > 0)
        .forEach(
            r ->
                out.printf(
                    Locale.ROOT,
                    "%nfailed at %,.0f/s: %s%n",
                    r.result().targetRate(),
                    r.result().failures()));
    saturation.stream()
        .filter(r -> r.result().failed() > 0)
        .forEach(
            r ->
                out.printf(
                    Locale.ROOT,
                    "%nfailed at saturation (%d conns): %s%n",
                    r.result().concurrency(),
                    r.result().failures()));
    out.println();
    out.println("warm-up:");
    out.println();
    warm.forEach(r -> out.println("- " + r.summary()));
    out.println();
  }

  private static String row(String label, Row row) {
    LoadGenerator.Result r = row.result();
    double lag =
        r.sendLag().getTotalCount() == 0 ? Double.NaN : r.sendLag().getValueAtPercentile(99) / 1e3;
    return String.format(
        Locale.ROOT,
        "| %s | %,.0f | %s | %s | %s | %s | %s | %d | %d | %d | %s | %.0f%% | %.0f%% | %.0f%%%s |",
        label,
        r.achievedRate(),
        fmt(r.latencyMs(50)),
        fmt(r.latencyMs(90)),
        fmt(r.latencyMs(99)),
        fmt(r.latencyMs(99.9)),
        fmt(r.maxMs()),
        r.ok200(),
        r.denied403(),
        r.failed(),
        Double.isNaN(lag) ? "–" : fmt(lag),
        row.cpu().servicePercent(),
        row.cpu().generatorPercent(),
        row.cpu().machinePercent(),
        row.cpu().otherLoad() ? " ⚠" : "");
  }

  /** Milliseconds: two decimals below 10, one below 100, none above. */
  static String fmt(double ms) {
    if (Double.isNaN(ms)) {
      return "NaN";
    }
    return String.format(Locale.ROOT, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%,.0f", ms);
  }

  private static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("bench http: could not delete " + dir + ": " + e.getMessage());
    }
  }

  /**
   * CPU time of the service, of this JVM and of the whole machine, from /proc (Linux; zeros
   * elsewhere). The machine figure shows when something else was running too.
   */
  record Cpu(long wallNanos, long serviceTicks, long selfTicks, long machineIdleTicks) {
    static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on
    static final double OTHER_LOAD_PERCENT = 20;

    /** Percentages of one core: 200% is both cores of a 2-core machine. */
    record Usage(double servicePercent, double generatorPercent, double machinePercent) {
      /** Something besides the service and the generator took a fifth of a core or more. */
      boolean otherLoad() {
        return machinePercent - servicePercent - generatorPercent >= OTHER_LOAD_PERCENT;
      }

      @Override
      public String toString() {
        return String.format(
            Locale.ROOT,
            "CPU service %.0f%%, generator %.0f%%, machine %.0f%%",
            servicePercent,
            generatorPercent,
            machinePercent);
      }
    }

    static Cpu now(long servicePid) {
      return new Cpu(
          System.nanoTime(), ticks(Long.toString(servicePid)), ticks("self"), machineIdle());
    }

    Usage since(long servicePid) {
      Cpu end = now(servicePid);
      double seconds = (end.wallNanos - wallNanos) / 1e9;
      return new Usage(
          percent(end.serviceTicks - serviceTicks, seconds),
          percent(end.selfTicks - selfTicks, seconds),
          Runtime.getRuntime().availableProcessors() * 100.0
              - percent(end.machineIdleTicks - machineIdleTicks, seconds));
    }

    private static double percent(long ticks, double seconds) {
      return seconds <= 0 ? 0 : 100 * ticks / TICKS_PER_SECOND / seconds;
    }

    /** utime + stime of a process, in clock ticks. */
    static long ticks(String pid) {
      try {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        // Fields after the command name (which is in parentheses and may hold spaces).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }

    /**
     * Ticks all CPUs spent idle or waiting for I/O, from /proc/stat's first line. Busy time is what
     * is left: on a tickless kernel, /proc/stat's user and system ticks are sampled and can be far
     * off over seconds on a lightly loaded machine, while idle time is measured.
     */
    static long machineIdle() {
      try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
        // cpu user nice system idle iowait ...
        String[] f = lines.findFirst().orElse("").trim().split("\\s+");
        return Long.parseLong(f[4]) + Long.parseLong(f[5]);
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }
  }
}
