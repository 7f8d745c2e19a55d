package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The smoke mode of {@code bench/run http} against the built jar: the harness runs end to end and
 * the table fills. No speed is asserted.
 */
class HttpBenchIT {
  @Test
  void smokeRunFillsTheTable() throws Exception {
    Assumptions.assumeTrue(
        java.nio.file.Files.isRegularFile(ServeProcess.JAR),
        "needs the packaged jar "
            + ServeProcess.JAR.toAbsolutePath()
            + ": run mvn package (mvn verify builds it before the *IT tests)");
    String report = Bench.run("http", HttpBench::run, List.of(), true);
    List<String[]> rows =
        report
            .lines()
            .filter(l -> l.startsWith("| ") && !l.startsWith("| target"))
            .map(
                l ->
                    Arrays.stream(l.substring(1).split("\\|"))
                        .map(String::strip)
                        .toArray(String[]::new))
            .toList();
    // Two fixed rates (100/s, 200/s), then one saturation row.
    assertEquals(3, rows.size(), report);
    assertEquals("100", rows.get(0)[0], report);
    assertEquals("200", rows.get(1)[0], report);
    assertTrue(rows.get(2)[0].startsWith("saturation ("), report);
    for (String[] cells : rows) {
      assertEquals(14, cells.length, String.join(" | ", cells));
      // achieved rate and the five latency columns are numbers
      for (int i = 1; i <= 6; i++) {
        Double.parseDouble(cells[i].replace(",", ""));
      }
      long ok = Long.parseLong(cells[7]);
      long denied = Long.parseLong(cells[8]);
      assertTrue(ok > 0, "answers with status 200: " + String.join(" | ", cells));
      assertTrue(ok + denied > 0);
    }
    // At the low rate nothing failed: 1 s at 100/s, every request answered with a decision.
    assertEquals("0", rows.get(0)[9], report);
    assertEquals(100, Long.parseLong(rows.get(0)[7]) + Long.parseLong(rows.get(0)[8]), report);
    assertTrue(report.contains("max rate with p99 < 5 ms: "), report);
    assertTrue(report.contains("commit "), report);
  }
}
