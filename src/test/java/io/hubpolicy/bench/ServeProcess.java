package io.hubpolicy.bench;

import io.hubpolicy.testing.ServeOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * {@code java -jar target/hubpolicy.jar serve} as its own process, the way an operator runs it: the
 * benchmarks measure the service, not a test harness sharing its heap.
 */
public final class ServeProcess implements AutoCloseable {
  public static final Path JAR = Path.of("target", "hubpolicy.jar");

  /**
   * What the benchmarks ask, as the hub's hooks do: no explanation at all (the default explains the
   * fields and the profiles that came close; {@code explain=full} pages through every profile that
   * did not apply).
   */
  public static final String DECISIONS = "/v1/decisions?explain=none";

  private static final Pattern SERVING =
      Pattern.compile("^hubpolicy serving on (https?://[^\\s]+:\\d+) \\((.*)\\)$");

  private final Process process;
  private final String url;
  private final String token;
  private final long startedNanos;
  private final Path stderr;

  private ServeProcess(Process p, String url, String token, long startedNanos, Path stderr) {
    this.process = p;
    this.url = url;
    this.token = token;
    this.startedNanos = startedNanos;
    this.stderr = stderr;
  }

  /**
   * Starts serve with a token file and no gRPC port in {@code dir}, and waits for its "serving on"
   * line.
   *
   * @param jvmArgs e.g. {@code -Xmx512m}, {@code -Dkubernetes.master=...}
   * @param serveArgs e.g. {@code --profiles x.yaml}, {@code --kube}
   */
  public static ServeProcess start(Path dir, List<String> jvmArgs, List<String> serveArgs)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(
          "no " + JAR.toAbsolutePath() + ": build it first (bench/run does: mvn package)");
    }
    Files.createDirectories(dir);
    Path tokenFile = dir.resolve("bench.token");
    Files.writeString(tokenFile, "bench-token-0123456789abcdef\n");
    List<String> args = new ArrayList<>(List.of("--port", "0", "--grpc-port", "-1"));
    args.addAll(List.of("--token-file", tokenFile.toString()));
    if (serveArgs.stream().noneMatch(a -> a.startsWith("--audit-log"))) {
      args.addAll(List.of("--audit-log", dir.resolve("audit.jsonl").toString()));
    }
    args.addAll(serveArgs);
    Path stderr = dir.resolve("serve.stderr");
    ProcessBuilder pb =
        command(JAR, jvmArgs, args)
            .redirectError(stderr.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    long t0 = System.nanoTime();
    Process p = pb.start();
    CompletableFuture<String> serving =
        ServeOutput.firstMatch(p, SERVING, "serve-stdout").thenApply(m -> m.group(1));
    try {
      // Generous: a busy shared machine has taken over two minutes to build 10,000 profiles.
      String url = serving.get(600, TimeUnit.SECONDS);
      return new ServeProcess(p, url, "bench-token-0123456789abcdef", t0, stderr);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("serve did not start: " + e.getMessage() + "\n" + tail(stderr, 30), e);
    }
  }

  /**
   * {@code java JVMARGS -jar JAR serve SERVEARGS} with this JVM's java, in an environment without
   * HUBPOLICY_* settings, so only the arguments configure it.
   */
  static ProcessBuilder command(Path jar, List<String> jvmArgs, List<String> serveArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar.toString(), "serve"));
    cmd.addAll(serveArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    return pb;
  }

  public String url() {
    return url;
  }

  public String token() {
    return token;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** When the process was started, on {@link System#nanoTime()}'s clock. */
  public long startedNanos() {
    return startedNanos;
  }

  /** Resident set size of the process now, from /proc (Linux). */
  public long rssBytes() throws IOException {
    return status("VmRSS:");
  }

  /** The largest resident set size the process has had (VmHWM, Linux). */
  public long peakRssBytes() throws IOException {
    return status("VmHWM:");
  }

  private long status(String field) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (l.startsWith(field)) {
        return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
      }
    }
    throw new IOException("no " + field + " for " + pid());
  }

  /** The last lines the service logged: what a failed benchmark prints. */
  public String logTail(int lines) {
    return tail(stderr, lines);
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(Duration.ofSeconds(15).toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
