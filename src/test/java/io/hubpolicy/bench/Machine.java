package io.hubpolicy.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;

/**
 * Where and when a benchmark ran: printed above every table, so a figure never loses its context.
 */
public record Machine(String date, String commit, String cpu, int cores, long memMiB, String java) {

  public static Machine here() {
    return new Machine(
        LocalDate.now().toString(),
        gitCommit(),
        cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        memTotalMiB(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
  }

  /** One Markdown line for the top of a results block. */
  public String line() {
    return String.format(
        "%s, commit %s; %s, %d cores, %,d MiB; %s", date, commit, cpu, cores, memMiB, java);
  }

  static String gitCommit() {
    try {
      Process p =
          new ProcessBuilder("git", "describe", "--always", "--dirty", "--abbrev=8")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  static String cpuModel() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux: the rest of the line still says what matters
    }
    return System.getProperty("os.arch");
  }

  static long memTotalMiB() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          return Long.parseLong(l.replaceAll("\\D+", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown
    }
    return 0;
  }
}
