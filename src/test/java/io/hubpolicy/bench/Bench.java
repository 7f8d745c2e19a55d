package io.hubpolicy.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of {@code bench/run NAME [--smoke] [options]}. Each benchmark prints Markdown (the
 * machine line, then its tables) to stdout and writes the same to {@code target/bench/NAME.md};
 * progress goes to stderr. {@code --smoke} runs a few seconds' worth, which the tests do so the
 * benchmarks never rot; its figures mean nothing.
 */
public final class Bench {
  /** One benchmark: runs with its arguments (without the name) and writes its report. */
  public interface Benchmark {
    void run(List<String> args, boolean smoke, PrintStream report) throws Exception;
  }

  static Map<String, Benchmark> all() {
    Map<String, Benchmark> m = new LinkedHashMap<>();
    m.put("decisions", DecisionJmh::run);
    m.put("http", HttpBench::run);
    m.put("reload", ReloadBench::run);
    m.put("memory", MemoryBench::run);
    m.put("startup", StartupBench::run);
    m.put("options", OptionsBench::run);
    m.put("whynot", WhyNotBench::run);
    m.put("steps", StepsBench::run);
    m.put("lint", LintBench::run);
    m.put("diff", DiffBench::run);
    m.put("audit-db", AuditBench::runStore);
    m.put("history", AuditBench::runHistory);
    return m;
  }

  public static void main(String[] args) throws Exception {
    Map<String, Benchmark> all = all();
    if (args.length == 0 || !(all.containsKey(args[0]) || args[0].equals("all"))) {
      System.err.println(
          "usage: bench/run " + String.join("|", all.keySet()) + "|all [--smoke] [options]");
      System.exit(2);
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    boolean smoke = rest.contains("--smoke");
    List<String> opts = rest.stream().filter(a -> !a.equals("--smoke")).toList();
    List<String> names = args[0].equals("all") ? List.copyOf(all.keySet()) : List.of(args[0]);
    for (String name : names) {
      String report = run(name, all.get(name), opts, smoke);
      System.out.print(report);
      System.out.flush();
      Path out = Path.of("target", "bench", name + (smoke ? "-smoke" : "") + ".md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, report);
      System.err.println("bench: " + name + " written to " + out);
    }
    // JMH, HTTP clients and child-process readers leave threads behind; the report is complete.
    System.exit(0);
  }

  /** Runs one benchmark and returns its report, headed with the machine line. */
  public static String run(String name, Benchmark b, List<String> opts, boolean smoke)
      throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream report = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      report.println("### " + name + (smoke ? " (smoke run: figures mean nothing)" : ""));
      report.println();
      report.println(Machine.here().line());
      report.println();
      b.run(opts, smoke, report);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  /** A comma-separated list of numbers from an option, e.g. {@code --profiles 10,1000}. */
  static List<Integer> ints(String value) {
    return Arrays.stream(value.split(",")).map(v -> Integer.parseInt(v.trim())).toList();
  }

  static IOException usage(String name, String message) {
    return new IOException("bench " + name + ": " + message);
  }
}
