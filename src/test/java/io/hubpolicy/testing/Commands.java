package io.hubpolicy.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs an external command to completion with a time limit, its output in files.
 *
 * <p>Files, not pipes: {@code pg_ctl start} leaves a server behind that inherits the command's
 * output, and a pipe it holds open would never reach end of file.
 */
final class Commands {
  private Commands() {}

  /** How a command ended: exit code (-1 when it was killed for time) and its output. */
  record Result(
      List<String> command, int exitCode, boolean timedOut, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0 && !timedOut;
    }

    /** The command, how it ended, and the last lines of its output: for a failure message. */
    String describe() {
      return String.join(" ", command)
          + (timedOut ? " did not finish in time" : " exited " + exitCode)
          + tail("stdout", stdout)
          + tail("stderr", stderr);
    }

    private static String tail(String what, String text) {
      if (text.isBlank()) {
        return "";
      }
      List<String> lines = text.strip().lines().toList();
      List<String> last = lines.subList(Math.max(0, lines.size() - 40), lines.size());
      return "\n--- "
          + what
          + (last.size() < lines.size() ? " (last 40 lines)" : "")
          + "\n"
          + String.join("\n", last);
    }
  }

  static Result run(List<String> command, Duration timeout) {
    return run(command, timeout, null, pb -> {});
  }

  /**
   * Runs {@code command}; {@code outputDir} (a temporary directory when null) receives {@code
   * *.stdout}/{@code *.stderr} files, kept when given so that a failure can be looked into.
   */
  static Result run(
      List<String> command, Duration timeout, Path outputDir, Consumer<ProcessBuilder> setup) {
    Path dir = outputDir;
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("hubpolicy-cmd-");
      }
      try {
        return runIn(dir, command, timeout, setup);
      } finally {
        if (outputDir == null) {
          try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
              Files.deleteIfExists(f);
            }
          }
          Files.deleteIfExists(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Result runIn(
      Path dir, List<String> command, Duration timeout, Consumer<ProcessBuilder> setup) {
    String base = new File(command.get(0)).getName();
    Path out = dir.resolve(base + ".stdout");
    Path err = dir.resolve(base + ".stderr");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    setup.accept(pb);
    try {
      Process p = pb.start();
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        // Only what this command started: its own descendants, then itself.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      return new Result(
          command, done ? p.exitValue() : -1, !done, read(out).orElse(""), read(err).orElse(""));
    } catch (IOException e) {
      // Typically: the program is not there. Reported as a failed command, not thrown.
      return new Result(command, 127, false, "", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  static Optional<String> read(Path file) {
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Files.readString(file, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first executable named {@code name} on PATH. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(d, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
