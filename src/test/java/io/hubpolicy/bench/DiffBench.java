package io.hubpolicy.bench;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench/run diff [--profiles 1000] [--lines 1000000] [--threads 2,1] [--jvm default,pod]}:
 * {@code hubpolicy diff} as its own process replaying an audit log of N lines against a base (the
 * configuration the log was recorded under) and a candidate (some env values, a size and a new deny
 * rule changed). Wall time, the same command on an empty log (JVM start and both builds), the
 * replay rate from the difference, and the peak resident set (VmHWM) polled from /proc.
 */
final class DiffBench {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** The JVM as a 512 MiB pod would run it (the image's heap share). */
  static final List<String> POD = List.of("-XX:MaxRAM=512m", "-XX:MaxRAMPercentage=60");

  static final String DENY =
      """
      package bench.diff;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      rule "group-5 is closed"
      when
          Spawn( groups contains "group-5" )
          $o : Outcome()
      then
          modify ( $o ) { deny( "group-5 is closed this week" ) }
      end
      """;

  private DiffBench() {}

  static void run(List<String> args, boolean smoke, PrintStream report) throws Exception {
    int profiles = smoke ? 50 : 1_000;
    long lines = smoke ? 2_000 : 1_000_000;
    List<Integer> threads = smoke ? List.of(2) : List.of(2, 1);
    List<String> jvms = smoke ? List.of("default") : List.of("default", "pod");
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--profiles") && i + 1 < args.size()) {
        profiles = Integer.parseInt(args.get(++i));
      } else if (a.equals("--lines") && i + 1 < args.size()) {
        lines = Long.parseLong(args.get(++i));
      } else if (a.equals("--threads") && i + 1 < args.size()) {
        threads = Bench.ints(args.get(++i));
      } else if (a.equals("--jvm") && i + 1 < args.size()) {
        jvms = List.of(args.get(++i).split(","));
      } else {
        throw Bench.usage("diff", "unknown option " + a);
      }
    }
    Path dir = Path.of("target", "bench", "diff");
    Files.createDirectories(dir);
    int distinct = (int) Math.min(lines, 20_000);
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, distinct, 42);
    Path base = dir.resolve("base.yaml");
    Path candidate = dir.resolve("candidate.yaml");
    Path deny = dir.resolve("deny.drl");
    Path audit = dir.resolve("audit.jsonl");
    Path empty = dir.resolve("empty.jsonl");
    Files.writeString(base, w.yaml());
    Files.writeString(
        candidate,
        w.yaml()
            .replace("value: 'v17'", "value: 'changed'")
            .replace("memory: 32Gi", "memory: 48Gi"));
    Files.writeString(deny, DENY);
    Files.writeString(empty, "");
    long bytes = writeAuditLog(w, base, audit, lines);
    report.printf(
        "An audit log of %,d lines (%,d MB; %,d distinct requests of the generated workload, seed"
            + " 42, a quarter with saved variables and a GPU count, cycled), recorded under %,d"
            + " generated profiles; candidate: the env of the profiles that set `v17` changed, the"
            + " X Large size's limits raised, and a deny rule for `group-5` (`--candidate-rules`)."
            + " `hubpolicy diff --format json` as its own process (this JVM's java, the build's"
            + " classes), output to a file. *Start* is the same command on an empty log (JVM start"
            + " and both rule-base builds); *replay rate* = lines / (wall − start). Peak RSS is the"
            + " process's VmHWM, polled every 100 ms. *Replay CPU* is the process's CPU time"
            + " (user + system) less the empty run's; *lines per CPU s* is the rate the replay"
            + " would reach with a whole core per thread, which on a busy machine (see the load"
            + " average, 2 cores) the wall-clock rate does not show. *pod* = `%s`.%n%n",
        lines, bytes / 1_000_000, distinct, profiles, String.join(" ", POD));
    report.println(
        "| threads | JVM | lines | changed | wall s | start s | replay rate lines/s | replay CPU s"
            + " | lines per CPU s | peak RSS MiB | output MB | load avg before → after |");
    report.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (String jvm : jvms) {
      List<String> jvmArgs = jvm.equals("pod") ? POD : List.of();
      for (int t : threads) {
        String loadBefore = load();
        Run start = diff(jvmArgs, t, base, candidate, deny, empty, dir.resolve("empty.out"));
        Run full = diff(jvmArgs, t, base, candidate, deny, audit, dir.resolve("diff.out"));
        String loadAfter = load();
        JsonNode summary = lastLine(dir.resolve("diff.out")).get("summary");
        if (summary == null
            || summary.get("requests").asLong() != lines
            || summary.get("auditRecordsOfOtherRevisions").asLong() != 0
            || full.exit != 1) {
          throw new IOException(
              "diff did not replay every line (exit " + full.exit + "): " + summary);
        }
        double replay = (full.nanos - start.nanos) / 1e9;
        double replayCpu = (full.cpuNanos - start.cpuNanos) / 1e9;
        report.printf(
            "| %d | %s | %,d | %,d | %.1f | %.1f | %,.0f | %.1f | %,.0f | %d | %,d | %s → %s |%n",
            t,
            jvm,
            lines,
            summary.get("changed").asLong(),
            full.nanos / 1e9,
            start.nanos / 1e9,
            lines / replay,
            replayCpu,
            lines / replayCpu,
            full.peakRss >> 20,
            Files.size(dir.resolve("diff.out")) / 1_000_000,
            loadBefore,
            loadAfter);
        System.err.printf("bench diff: %s, %d thread(s) done%n", jvm, t);
      }
    }
    report.println();
    Files.deleteIfExists(audit);
  }

  /**
   * Writes {@code lines} audit lines, as {@code serve} writes them, cycling through the workload's
   * requests decided under the base.
   */
  static long writeAuditLog(WorkloadGenerator.Workload w, Path base, Path file, long lines)
      throws IOException {
    // Built as the command builds --base, so that the records carry the base's revision.
    RuleBase rb = RuleBaseBuilder.fromPaths(List.of(base), List.of(Path.of("rules")));
    List<byte[]> distinct = new ArrayList<>();
    for (int i = 0; i < w.requests().size(); i++) {
      SpawnRequest r = w.requests().get(i);
      if (i % 4 == 0) {
        r =
            r.withPreferences(
                new UserPreferences(
                    null,
                    null,
                    0,
                    List.of(
                        new UserVariable("EDITOR", "vim", false),
                        new UserVariable("MY_TOKEN", null, true))));
      }
      String line =
          DecisionJson.ascii(
              DecisionJson.auditLine(DecisionEngine.decide(r, rb), "2026-01-01T00:00:00Z"));
      distinct.add((line + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    long bytes = 0;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      for (long i = 0; i < lines; i++) {
        byte[] b = distinct.get((int) (i % distinct.size()));
        out.write(b);
        bytes += b.length;
      }
    }
    return bytes;
  }

  /** Exit code, wall time, peak resident set, and the process's CPU time (user + system). */
  record Run(int exit, long nanos, long peakRss, long cpuNanos) {}

  static Run diff(
      List<String> jvmArgs,
      int threads,
      Path base,
      Path candidate,
      Path deny,
      Path requests,
      Path out)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.hubpolicy.cli.Main"));
    cmd.addAll(
        List.of(
            "diff",
            "--base",
            base.toString(),
            "--candidate",
            candidate.toString(),
            "--candidate-rules",
            deny.toString(),
            "--requests",
            requests.toString(),
            "--format",
            "json",
            "--threads",
            Integer.toString(threads)));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    long t0 = System.nanoTime();
    Process p = pb.start();
    long peak = 0;
    long cpu = 0;
    ProcessHandle h = p.toHandle();
    while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
      peak = Math.max(peak, hwm(p.pid()));
      // The last reading before the exit: at most 100 ms of CPU are missed.
      cpu = h.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(cpu);
    }
    long nanos = System.nanoTime() - t0;
    return new Run(p.exitValue(), nanos, peak, cpu);
  }

  /** The one-minute load average: how much else this machine was doing. */
  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static long hwm(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process just ended
    }
    return 0;
  }

  private static JsonNode lastLine(Path file) throws IOException {
    String last = null;
    try (var lines = Files.lines(file)) {
      for (String l : (Iterable<String>) lines::iterator) {
        last = l;
      }
    }
    return last == null ? JSON.createObjectNode() : JSON.readTree(last);
  }
}
