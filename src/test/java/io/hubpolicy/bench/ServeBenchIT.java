package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Smoke runs of the benchmarks that start {@code serve} from the jar, so they never rot. They check
 * that each produces its table from real measurements; never how fast anything is.
 */
class ServeBenchIT {
  @BeforeEach
  void requireJar() {
    Assumptions.assumeTrue(
        Files.isRegularFile(ServeProcess.JAR),
        "needs the packaged jar "
            + ServeProcess.JAR.toAbsolutePath()
            + ": run mvn package (mvn verify builds it before the *IT tests)");
  }

  @Test
  void startupMeasuresAFirstDecision() throws Exception {
    String report = Bench.run("startup", StartupBench::run, List.of(), true);
    Matcher m =
        Pattern.compile("\\| \\(defaults\\) \\| (\\d+) \\(.*\\) \\| (\\d+) \\(.*\\) \\|")
            .matcher(report);
    assertTrue(m.find(), report);
    long listening = Long.parseLong(m.group(1));
    long decided = Long.parseLong(m.group(2));
    assertTrue(listening > 0 && decided >= listening, report);
  }

  @Test
  void memoryReportsRssAndHeapAfterLoad() throws Exception {
    String report = Bench.run("memory", MemoryBench::run, List.of(), true);
    Matcher m =
        Pattern.compile(
                "\\| 50 \\| JVM defaults \\| ([\\d,]+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+)"
                    + " \\| (\\d+) \\|")
            .matcher(report);
    assertTrue(m.find(), report);
    assertTrue(Long.parseLong(m.group(1).replace(",", "")) > 0, "decisions served: " + report);
    long rss = Long.parseLong(m.group(2));
    long heapUsed = Long.parseLong(m.group(3));
    long heapCommitted = Long.parseLong(m.group(4));
    // Shapes that hold for any JVM: used ≤ committed, and the process holds more than its heap use.
    assertTrue(heapUsed <= heapCommitted && rss > heapUsed, report);
    assertEquals(1, report.lines().filter(l -> l.startsWith("| 50 |")).count(), report);
  }

  @Test
  void reloadUnderLoadLosesNoRequestAndServesEachValidChange() throws Exception {
    String report = Bench.run("reload", ReloadBench::run, List.of(), true);
    for (String mode : List.of("file", "kube")) {
      Matcher m =
          Pattern.compile(
                  "\\| "
                      + mode
                      + " \\| ([\\d,]+) \\| (\\d+) of [\\d,]+[^|]* \\| [\\d,]+ \\| [^|]+ \\|"
                      + " ([\\d,]+) / [^|]+ \\| (\\d+) / (\\d+) \\|"
                      + " (\\d+) / \\d+ \\| (\\d+) / \\d+ \\| (\\d+) \\|")
              .matcher(report);
      assertTrue(m.find(), mode + ":\n" + report);
      // Requests were measured both during the changes and in the quiet windows between them.
      assertTrue(Long.parseLong(m.group(1).replace(",", "")) > 0, report);
      assertTrue(Long.parseLong(m.group(3).replace(",", "")) > 0, report);
      // Correctness, not speed: nothing fails while configurations come and go, every valid
      // change is served, every invalid one rejected without touching the revision serving.
      assertEquals("0", m.group(2), "failed requests in " + mode + " mode:\n" + report);
      assertEquals("2", m.group(4), "applied in " + mode + " mode:\n" + report);
      assertEquals("2", m.group(5), "rejected in " + mode + " mode:\n" + report);
      assertEquals("0", m.group(8), "revision changed by an invalid change:\n" + report);
    }
  }
}
