package io.hubpolicy.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The container image's JVM options ({@code container/jvm.options}, which the Dockerfile passes to
 * {@code java} as an argument file), so that the benchmarks run the service as the image does; and
 * its AOT cache and compiled-rules cache, made by the same script the Dockerfile runs ({@code
 * container/aot-train}).
 */
final class ContainerJvm {
  static final Path OPTIONS = Path.of("container", "jvm.options");
  static final Path TRAIN = Path.of("container", "aot-train");

  /** The pod limit of the deployment (deploy/): what {@code -XX:MaxRAM} stands for here. */
  static final int POD_LIMIT_MIB = 768;

  private ContainerJvm() {}

  /** The image's options, without its AOT cache (whose path exists only in the image). */
  static List<String> options() {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(OPTIONS)) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith("-XX:AOTCache=")) {
          out.add(l);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + OPTIONS.toAbsolutePath(), e);
    }
    return out;
  }

  /** The image's options in a pod limited to {@code mib} MiB. */
  static List<String> inPod(int mib) {
    List<String> out = new ArrayList<>(options());
    out.add(0, "-XX:MaxRAM=" + mib + "m");
    return out;
  }

  /** The options in one line, for a report. */
  static String describe(List<String> options) {
    return "`" + String.join(" ", options) + "`";
  }

  /** The image's compiled-rules cache variable (the Dockerfile's ENV). */
  static final String RULES_CACHE_ENV = "HUBPOLICY_RULES_CACHE";

  /**
   * Trains an AOT cache for {@code jar} in {@code workDir} (whose configuration the training
   * serves) with this JVM, as the Dockerfile does, and fills {@code rulesCache} (unless null) with
   * the compiled rules first, as the image's {@code HUBPOLICY_RULES_CACHE} makes it do; returns the
   * AOT cache, or throws with the script's output.
   */
  static Path trainAotCache(Path jar, Path workDir, Path cache, Path rulesCache)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = workDir.resolve("aot-train.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                TRAIN.toAbsolutePath().toString(),
                java.toString(),
                jar.toString(),
                OPTIONS.toAbsolutePath().toString(),
                cache.toString())
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    if (rulesCache != null) {
      pb.environment().put(RULES_CACHE_ENV, rulesCache.toString());
    }
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("container/aot-train took over 10 minutes");
    }
    if (p.exitValue() != 0 || !Files.isRegularFile(cache)) {
      throw new IOException(
          "container/aot-train failed (" + p.exitValue() + "):\n" + Files.readString(log));
    }
    System.err.print("bench: " + Files.readString(log));
    return cache;
  }
}
