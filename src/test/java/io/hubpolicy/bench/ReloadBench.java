package io.hubpolicy.bench;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.hubpolicy.bench.ReloadProbes.ConfigApi;
import io.hubpolicy.bench.ReloadProbes.Revisions;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.kube.ProfileConfigMaps;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench/run reload [--profiles 10000] [--changes 100] [--rate 1000] [--modes file,kube]
 * [--build-sizes 10,100] [--warmup 60] [--warm-changes 60] [--serve-jvm ARG]... [--serve-jvm-add
 * ARG]...}: {@code --serve-jvm} replaces the image's JVM options, {@code --serve-jvm-add} adds to
 * them (a GC log, say). Replaces the configuration while open-loop HTTP load runs, alternating a
 * valid change and an invalid one, in file mode (write and rename, as an editor or a ConfigMap
 * volume does) and through the fabric8 mock API server (ConfigMap updates, as {@code kubectl apply}
 * does; the server in a process of its own at the lowest CPU priority, {@link MockApiProcess}).
 * Counts failed and slow requests, and times each change to the first decision answered on the new
 * revision (valid) or to its rejection (invalid, which must leave the revision serving unchanged).
 * The changes come in windows of ten, each followed by as long without changes under the same load,
 * so that the report can set the p99 during the reloads beside the machine's own at the time. Also
 * the rule base build time per configuration size, in-process.
 */
public final class ReloadBench {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** What counts as a slow request here: the HTTP target's p99 bound. */
  static final long SLOW_NANOS = Duration.ofMillis(5).toNanos();

  /** The target for the p99 of the requests answered while the changes are made (issue 19). */
  static final double TARGET_P99_MS = 10;

  static final String NAMESPACE = "bench";

  /**
   * How often a rejection is looked for in /v1/config. Every 2 ms (as first written) was 500
   * requests a second through the JDK's HTTP client, in the same two cores as the service and the
   * load, during half of the changes.
   */
  static final int POLL_MILLIS = 20;

  /**
   * The changes come in windows of this many, each followed by a quiet window as long as it (at
   * least {@link #QUIET_MIN_MILLIS}) under the same load: the p99 of the same load without changes,
   * measured seconds apart from the reloads, says how much of theirs the machine gave ({@link
   * ReloadWindows}).
   */
  static final int CHANGES_PER_WINDOW = 10;

  static final long QUIET_MIN_MILLIS = 500;

  /** How long a window of changes stays open after its last change was seen. */
  static final long SPILL_MILLIS = 200;

  /** Real API servers refuse ConfigMaps over 1 MiB; large configurations span several. */
  static final int CONFIGMAP_BYTES = 900 * 1024;

  record Options(
      int profiles,
      int changes,
      double rate,
      List<String> modes,
      List<Integer> buildSizes,
      List<String> serveJvm,
      int warmupSeconds,
      int warmChanges) {}

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    Options o = options(args, smoke);
    report.printf(
        "%d changes per mode (even: valid, odd: invalid — an unknown field), %,d profiles,"
            + " open-loop load of %.0f decisions/s (`POST /v1/decisions?explain=none`) throughout. \"Change → new revision\" runs from"
            + " the write (file renamed into place / ConfigMap update returned) to the first"
            + " answer carrying the new revision; \"change → rejected\" to /v1/config counting the"
            + " rejection. The changes come in windows of %d, each followed by a window as long"
            + " without changes (at least %d ms, from %d ms after the last change was seen) under"
            + " the same load; \"between the changes\" counts the requests due in those."
            + " Slow = over 5 ms from the intended send time. Applied and rejected"
            + " count the server's reloads during the changes; build times are the server's own"
            + " (hubpolicy_config_build_seconds).%n%n",
        o.changes(), o.profiles(), o.rate(), CHANGES_PER_WINDOW, QUIET_MIN_MILLIS, SPILL_MILLIS);
    report.printf(
        "Service JVM options: `%s`.%n%n",
        o.serveJvm().isEmpty() ? "(defaults)" : String.join(" ", o.serveJvm()));
    List<Once> runs = new ArrayList<>();
    for (String mode : o.modes()) {
      System.err.printf("bench reload: %s mode, %,d profiles...%n", mode, o.profiles());
      Once r = once(mode, o, smoke);
      System.err.println("bench reload: " + r.row()); // a long run's figures are not lost
      runs.add(r);
    }
    // The headline: what a caller sees while the configuration is being replaced.
    for (Once r : runs) {
      report.printf(
          "**%s mode: p99 during the reloads %.2f ms** (target ≤ %.0f ms: %s), %,d failed of %,d;"
              + " %,d requests over 10 ms. Between the changes, the same load: p99 %.2f ms (%,d"
              + " over 10 ms); the load generator's own lateness p99 %.2f ms.%n%n",
          r.mode(),
          r.p99Ms(),
          TARGET_P99_MS,
          r.p99Ms() <= TARGET_P99_MS && r.failed() == 0 ? "met" : "not met",
          r.failed(),
          r.requests(),
          r.over10(),
          r.quietP99Ms(),
          r.quietOver10(),
          r.lateP99Ms());
    }
    report.println(
        "| mode | requests during the changes | failed (of all) | slow (> 5 ms) | p50 / p99 / max"
            + " ms | between the changes: requests / p99 ms / over 10 ms | applied / rejected |"
            + " change → new revision p50 / max ms | change → rejected p50 / max ms |"
            + " revision changed by an invalid change | server build mean / recent max ms |");
    report.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    runs.forEach(r -> report.println(r.row()));
    report.println();
    report.println("Rule base build, in-process (load and validate YAML, index, compile DRL):");
    report.println();
    report.println("| profiles | YAML bytes | build ms (median of 3) |");
    report.println("|---:|---:|---:|");
    for (int n : o.buildSizes()) {
      WorkloadGenerator.Workload w = WorkloadGenerator.generate(n, 1, 42);
      List<ConfigSource> src = List.of(new ConfigSource("generated.yaml", w.yaml()));
      new RuleBaseBuilder().build(src, Engines.builtinRules()); // warm-up
      double[] ms = new double[3];
      for (int i = 0; i < ms.length; i++) {
        long t = System.nanoTime();
        new RuleBaseBuilder().build(src, Engines.builtinRules());
        ms[i] = (System.nanoTime() - t) / 1e6;
      }
      Arrays.sort(ms);
      report.printf("| %,d | %,d | %.0f |%n", n, w.yaml().length(), ms[1]);
    }
    report.println();
  }

  static Options options(List<String> args, boolean smoke) throws IOException {
    int profiles = smoke ? 50 : 10_000;
    int changes = smoke ? 4 : 100;
    double rate = smoke ? 200 : 1000;
    List<String> modes = List.of("file", "kube");
    List<Integer> buildSizes = smoke ? List.of(50) : List.of(10, 100, 1_000, 10_000);
    List<String> serveJvm = new ArrayList<>();
    List<String> extraJvm = new ArrayList<>();
    // Long enough for the JIT to finish: at 10,000 profiles on 2 cores, C2 still took half a core
    // 20 s into the load (per-thread CPU of the service, BENCHMARKS.md §3), and a service that
    // reloads has been running for longer than that.
    int warmup = smoke ? 1 : 60;
    // 60, not 20: after 20 reloads C2 was still compiling the reload's code (the profile index,
    // the YAML scanner: ~0.8 s of one core) during the first measured changes (BENCHMARKS.md §3).
    int warmChanges = smoke ? 0 : 60;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String v = i + 1 < args.size() ? args.get(i + 1) : null;
      if (v == null) {
        throw Bench.usage("reload", a + " needs a value");
      }
      i++;
      switch (a) {
        case "--profiles" -> profiles = Integer.parseInt(v);
        case "--changes" -> changes = Integer.parseInt(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--modes" -> modes = List.of(v.split(","));
        case "--serve-jvm" -> serveJvm.add(v);
        case "--serve-jvm-add" -> extraJvm.add(v);
        case "--build-sizes" -> buildSizes = Bench.ints(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--warm-changes" -> warmChanges = Integer.parseInt(v);
        default -> throw Bench.usage("reload", "unknown option " + a);
      }
    }
    for (String m : modes) {
      if (!m.equals("file") && !m.equals("kube")) {
        throw Bench.usage("reload", "--modes takes file and/or kube, not " + m);
      }
    }
    if (serveJvm.isEmpty() && !smoke) {
      // What the image runs: its options in the deployment's pod (deploy/ limits it to 768 MiB).
      serveJvm.addAll(ContainerJvm.inPod(ContainerJvm.POD_LIMIT_MIB));
    }
    // Added to whichever options apply (a GC log of the image's JVM, say), where --serve-jvm
    // replaces them.
    serveJvm.addAll(extraJvm);
    return new Options(profiles, changes, rate, modes, buildSizes, serveJvm, warmup, warmChanges);
  }

  /** The generated configuration with change {@code i} in its first profile; odd ones invalid. */
  static String version(String yaml, int i) {
    String marked = yaml.replaceFirst("value: 'v0'", "value: 'change-" + i + "'");
    return i % 2 == 0 ? marked : marked.replaceFirst("value: 'change-", "valu: 'change-");
  }

  /** Where a change is written: a file, or ConfigMaps. */
  interface Config extends AutoCloseable {
    /**
     * What writing this configuration takes, made ready beforehand in a file (the profiles file
     * itself, or the first ConfigMap's JSON): the measured changes are then a rename or a PUT, and
     * neither the preparing of 2 MB of text nor holding it is the load generator's lateness.
     */
    Write prepare(String yaml) throws Exception;

    default void write(String yaml) throws Exception {
      prepare(yaml).write();
    }

    @Override
    default void close() {}
  }

  /** One prepared change. */
  interface Write {
    void write() throws Exception;
  }

  /** One mode's run: its table row and the figures the headline names. */
  record Once(
      String mode,
      String row,
      double p99Ms,
      long failed,
      long requests,
      long over10,
      double quietP99Ms,
      long quietOver10,
      double lateP99Ms) {}

  static Once once(String mode, Options o, boolean smoke) throws Exception {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(o.profiles(), 4_096, 42);
    Path dir = Files.createTempDirectory("hubpolicy-reload-" + mode);
    List<String> bodies = w.requests().stream().map(WorkloadGenerator::requestBody).toList();
    MockApiProcess kube = null;
    // Changes made ready before the measured ones, beside the watched directory (not in it: a
    // file written there would be an event for the service).
    Path prepared = Files.createTempDirectory("hubpolicy-reload-changes");
    AtomicInteger preparedCount = new AtomicInteger();
    Config config;
    List<String> jvm = new ArrayList<>(o.serveJvm());
    List<String> serveArgs = new ArrayList<>();
    if (mode.equals("file")) {
      Path file = dir.resolve("profiles.yaml");
      Files.writeString(file, version(w.yaml(), 0));
      config =
          yaml -> {
            // Written now, renamed into place at the change (as an editor's save): the change
            // costs this JVM a rename, and its heap holds no 2 MB text per change.
            Path ready = prepared.resolve("profiles-" + preparedCount.incrementAndGet() + ".yaml");
            Files.writeString(ready, yaml);
            return () ->
                Files.move(
                    ready,
                    file,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
          };
      serveArgs.addAll(List.of("--profiles", file.toString()));
    } else {
      kube = MockApiProcess.start(NAMESPACE);
      MockApiProcess k = kube;
      List<String> chunks = chunks(version(w.yaml(), 0));
      for (int c = 0; c < chunks.size(); c++) {
        k.client.configMaps().inNamespace(NAMESPACE).resource(configMap(c, chunks.get(c))).create();
      }
      URI first =
          URI.create(
              k.url().replaceAll("/$", "")
                  + "/api/v1/namespaces/"
                  + NAMESPACE
                  + "/configmaps/"
                  + ProfileConfigMaps.Where.DEFAULT_CONFIGMAP);
      config =
          yaml -> {
            // Only the first ConfigMap holds profile p0, so a change is one update, as in life:
            // a replace without a resource version (one unconditional PUT). Its JSON is made
            // here, before the measured changes: serializing 700 KB was 13 ms of this JVM's CPU
            // per change, which the load generator beside it paid as lateness; a client such as
            // kubectl runs elsewhere. (An edit, a GET, a JSON diff and a patch, took the service's
            // CPU too, when the mock API server ran in this JVM: BENCHMARKS.md §3.) Sent from its
            // file by the kernel (PlainHttp): the JDK's HTTP client took ~4 ms of CPU a change.
            Path json = prepared.resolve("configmap-" + preparedCount.incrementAndGet() + ".json");
            Files.writeString(
                json,
                k.client.getKubernetesSerialization().asJson(configMap(0, chunks(yaml).get(0))));
            PlainHttp put =
                PlainHttp.ofFile(first, "PUT", json, "Content-Type", "application/json");
            return () -> {
              int status = put.status();
              if (status != 200) {
                throw new IOException("PUT " + first + " answered " + status);
              }
            };
          };
      jvm.addAll(
          List.of(
              "-Dkubernetes.master=" + k.url(),
              "-Dkubernetes.auth.tryKubeConfig=false",
              "-Dkubernetes.auth.tryServiceAccount=false",
              "-Dkubernetes.namespace=" + NAMESPACE));
      serveArgs.addAll(List.of("--kube", "--namespace", NAMESPACE));
      System.err.printf("bench reload: %d ConfigMaps%n", chunks.size());
    }
    try (ServeProcess serve = ServeProcess.start(dir, jvm, serveArgs);
        LoadGenerator load =
            new LoadGenerator(
                new LoadGenerator.Target(
                    URI.create(serve.url() + ServeProcess.DECISIONS), serve.token(), bodies),
                new LoadGenerator.Settings(16, 2_000, Duration.ofSeconds(10)))) {
      ConfigApi api = new ConfigApi(serve);
      api.awaitReady(Duration.ofSeconds(600));
      System.err.println("bench reload: warming up...");
      // Changes during the first half of the warm-up, not measured: the first reloads of a
      // process send the JIT back to work (a burst of deoptimizations as the reload's types reach
      // code the decisions share, then C2 compiling for seconds), which a service that has been
      // running a while has behind it. The last one is valid, so a good revision serves after it.
      Config warmConfig = config;
      Thread warmChanges =
          new Thread(
              () -> {
                try {
                  for (int k = o.warmChanges() - 1; k >= 0; k--) {
                    // Odd: invalid; the last one, k = 0, is even.
                    warmConfig.write(version(w.yaml(), 1_000_000 + k));
                    Thread.sleep(o.warmupSeconds() * 500L / Math.max(1, o.warmChanges()));
                  }
                } catch (Exception e) {
                  throw new IllegalStateException("warm-up change", e);
                }
              },
              "reload-warm-changes");
      warmChanges.start();
      // Scraped every 10 s from the start, as Prometheus does (the ServiceMonitor's interval is
      // of that order): a service's first scrape loads classes that invalidate compiled code on
      // the request path (a burst of deoptimizations, then seconds of C2), which the benchmark's
      // own first scrape, at the start of the measured changes, used to set off there.
      // GET /v1/config too, a few times a second from the warm-up on: the measured changes poll
      // it, and its first calls there made the request path's compiled code polymorphic (36
      // deoptimizations and a 150 ms C2 recompile of HttpApi.serve in the first second).
      Thread scraper =
          new Thread(
              () -> {
                try {
                  for (long k = 0; !Thread.currentThread().isInterrupted(); k++) {
                    if (k % 200 == 0) {
                      api.buildSeconds();
                    }
                    api.config();
                    Thread.sleep(50);
                  }
                } catch (InterruptedException e) {
                  // done
                } catch (Exception e) {
                  System.err.println("bench reload: scraping /metrics failed: " + e);
                }
              },
              "reload-scraper");
      scraper.setDaemon(true);
      scraper.start();
      // The generator observes every answer from the warm-up on, as it does during the changes:
      // its first observations there (a scan of each body for its revision, run cold) made the
      // generator itself late in the first second of the changes, which counted as slow answers.
      AtomicLong warmRevisions = new AtomicLong();
      LoadGenerator.AnswerObserver warmObserver =
          (intended, received, status, revision) -> {
            if (revision != null) {
              warmRevisions.incrementAndGet();
            }
          };
      load.openLoop(o.rate(), Duration.ofSeconds(o.warmupSeconds()), warmObserver);
      warmChanges.join();
      // The same load without changes, after the warm-up: what the reloads are compared with.
      LoadGenerator.Result quiet =
          load.openLoop(o.rate(), Duration.ofSeconds(smoke ? 1 : 10), warmObserver);
      System.err.printf(
          "bench reload: %s: without changes p50 %.2f / p99 %.2f / max %.1f ms, %d failed%n",
          mode, quiet.latencyMs(50), quiet.latencyMs(99), quiet.maxMs(), quiet.failed());
      if (warmRevisions.get() == 0) {
        // The changes are seen through the answers' revisions: without them nothing is measured.
        throw new IllegalStateException("no answer carried a revision before the changes");
      }

      // Made before the load starts: 2 MB of text per change, to files (see Config.prepare).
      List<Write> changes = new ArrayList<>();
      for (int i = 1; i <= o.changes(); i++) {
        changes.add(config.prepare(version(w.yaml(), i)));
      }

      Revisions seen = new Revisions();
      AtomicBoolean stop = new AtomicBoolean();
      ReloadWindows windows = new ReloadWindows();
      // When the requests over the target were due, by second of the changes (stderr): whether
      // they follow the reloads or gather somewhere.
      long[] phaseStart = {System.nanoTime()};
      AtomicIntegerArray overBySecond = new AtomicIntegerArray(600);
      long target = (long) (TARGET_P99_MS * 1e6);
      LoadGenerator.Result[] result = new LoadGenerator.Result[1];
      Exception[] loadFailure = new Exception[1];
      Thread loader =
          new Thread(
              () -> {
                try {
                  result[0] =
                      load.openLoop(
                          o.rate(),
                          Duration.ofHours(1),
                          (intended, received, status, revision) -> {
                            windows.answer(intended, received);
                            if (received - intended > target) {
                              int second = (int) ((intended - phaseStart[0]) / 1_000_000_000L);
                              if (second >= 0 && second < overBySecond.length()) {
                                overBySecond.incrementAndGet(second);
                              }
                            }
                            if (status == 200 && revision != null) {
                              seen.saw(revision, received);
                            }
                          },
                          stop::get);
                } catch (Exception e) {
                  loadFailure[0] = e;
                }
              },
              "reload-load");
      phaseStart[0] = System.nanoTime();
      loader.start();
      Thread.sleep(500);

      JsonNode start = api.config();
      double[] buildsBefore = api.buildSeconds();
      List<Double> toRevision = new ArrayList<>();
      List<Double> toRejection = new ArrayList<>();
      int invalidChangedRevision = 0;
      int notSeen = 0;
      long blockStart = 0;
      for (int i = 1; i <= o.changes(); i++) {
        if ((i - 1) % CHANGES_PER_WINDOW == 0) {
          blockStart = System.nanoTime();
          windows.begin(ReloadWindows.Kind.CHANGES, blockStart);
        }
        Write change = changes.get(i - 1);
        JsonNode before = api.config();
        String revisionBefore = before.path("revision").asText();
        long rejectedBefore = before.path("reloads").path("rejected").asLong();
        long t = System.nanoTime();
        change.write(); // odd i: invalid
        if (i % 2 == 0) {
          Long first = seen.awaitOtherThan(revisionBefore, t, Duration.ofSeconds(60));
          if (first == null) {
            notSeen++;
          } else {
            toRevision.add((first - t) / 1e6);
          }
        } else {
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          JsonNode now = api.config();
          while (now.path("reloads").path("rejected").asLong() == rejectedBefore
              && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
            now = api.config();
          }
          toRejection.add((System.nanoTime() - t) / 1e6);
          if (!now.path("revision").asText().equals(revisionBefore)) {
            invalidChangedRevision++;
          }
        }
        if (i % CHANGES_PER_WINDOW == 0 || i == o.changes()) {
          // The window of changes stays open a while after its last change is seen, so that
          // what a reload leaves behind (its garbage collected, say) counts as the reloads'. Then
          // the same load without changes for as long as the changes took.
          Thread.sleep(SPILL_MILLIS);
          long now = System.nanoTime();
          windows.begin(ReloadWindows.Kind.QUIET, now);
          Thread.sleep(Math.max(QUIET_MIN_MILLIS, (now - blockStart) / 1_000_000));
          windows.end(System.nanoTime());
          System.err.printf("bench reload: %s: %d of %d changes%n", mode, i, o.changes());
        }
      }
      stop.set(true);
      loader.join();
      scraper.interrupt();
      if (loadFailure[0] != null) {
        throw loadFailure[0];
      }
      LoadGenerator.Result r = result[0];
      StringBuilder bySecond = new StringBuilder();
      for (int sec = 0; sec < overBySecond.length(); sec++) {
        if (overBySecond.get(sec) > 0) {
          bySecond.append(' ').append(sec).append("s:").append(overBySecond.get(sec));
        }
      }
      System.err.printf("bench reload: %s: over the target, by second:%s%n", mode, bySecond);
      // The generator's own lateness (due to picked up): large values would mean the slow
      // requests were the load generator's, not the service's.
      System.err.printf(
          "bench reload: %s: the generator's own lateness p99 %.2f ms, max %.2f ms%n",
          mode, r.sendLag().getValueAtPercentile(99) / 1e3, r.sendLag().getMaxValue() / 1e3);
      JsonNode end = api.config();
      double[] buildsAfter = api.buildSeconds();
      double builds = buildsAfter[0] - buildsBefore[0];
      double buildMeanMs =
          builds == 0 ? Double.NaN : (buildsAfter[1] - buildsBefore[1]) / builds * 1000;
      ReloadWindows.Split split = windows.split(SLOW_NANOS, target);
      ReloadWindows.Figures during = split.changes();
      ReloadWindows.Figures quietBetween = split.quiet();
      String row =
          String.format(
              "| %s | %,d | %,d of %,d%s | %,d | %.2f / %.2f / %.1f | %,d / %.2f / %,d | %d / %d | %s | %s | %d | %.0f / %.0f |",
              mode,
              during.count(),
              r.failed(),
              r.scheduled(),
              r.failed() == 0 ? "" : " (" + r.failures() + ")",
              during.slow(),
              during.p50Ms(),
              during.p99Ms(),
              during.maxMs(),
              quietBetween.count(),
              quietBetween.p99Ms(),
              quietBetween.overTarget(),
              count(start, end, "applied"),
              count(start, end, "rejected"),
              p50max(toRevision) + (notSeen > 0 ? " (" + notSeen + " never seen)" : ""),
              p50max(toRejection),
              invalidChangedRevision,
              buildMeanMs,
              buildsAfter[2] * 1000);
      return new Once(
          mode,
          row,
          during.p99Ms(),
          r.failed(),
          r.scheduled(),
          during.overTarget(),
          quietBetween.p99Ms(),
          quietBetween.overTarget(),
          r.sendLag().getValueAtPercentile(99) / 1e3);
    } finally {
      config.close();
      if (kube != null) {
        kube.close();
      }
      try (Stream<Path> left = Files.list(prepared)) {
        for (Path f : left.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(prepared);
    }
  }

  static long count(JsonNode start, JsonNode end, String what) {
    return end.path("reloads").path(what).asLong() - start.path("reloads").path(what).asLong();
  }

  static String p50max(List<Double> ms) {
    if (ms.isEmpty()) {
      return "–";
    }
    List<Double> s = new ArrayList<>(ms);
    s.sort(null);
    return String.format("%.0f / %.0f", s.get(s.size() / 2), s.get(s.size() - 1));
  }

  /** Splits a generated configuration into ConfigMap-sized YAML documents, profiles in order. */
  static List<String> chunks(String yaml) {
    int sizes = yaml.indexOf("\nsizes:\n");
    String head = "profiles:\n";
    int start = yaml.indexOf(head) + head.length();
    String body = yaml.substring(start, sizes + 1);
    String tail = yaml.substring(sizes + 1);
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder(head);
    for (String profile : body.split("(?m)^(?=- name: )")) {
      if (profile.isEmpty()) {
        continue;
      }
      if (cur.length() + profile.length() > CONFIGMAP_BYTES && cur.length() > head.length()) {
        out.add(cur.toString());
        cur = new StringBuilder(head);
      }
      cur.append(profile);
    }
    cur.append(tail);
    out.add(cur.toString());
    return out;
  }

  static ConfigMap configMap(int index, String yaml) {
    ConfigMapBuilder b =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(
                index == 0
                    ? ProfileConfigMaps.Where.DEFAULT_CONFIGMAP
                    : String.format("bench-profiles-%03d", index))
            .withNamespace(NAMESPACE)
            .endMetadata()
            .addToData(ProfileConfigMaps.Where.DEFAULT_KEY, yaml);
    if (index > 0) {
      String[] label = ProfileConfigMaps.Where.DEFAULT_SELECTOR.split("=");
      b.editMetadata().addToLabels(label[0], label[1]).endMetadata();
    }
    return b.build();
  }
}
