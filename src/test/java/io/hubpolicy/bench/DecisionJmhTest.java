package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The smoke mode of {@code bench/run decisions}: the harness runs and the table fills. No speed.
 */
class DecisionJmhTest {
  @Test
  void smokeRunFillsTheTable() throws Exception {
    String report = Bench.run("decisions", DecisionJmh::run, List.of(), true);
    List<String> rows = report.lines().filter(l -> l.startsWith("| 10 |")).toList();
    // One row per thread count, each with figures for both engine and baseline.
    assertTrue(rows.size() == 2, report);
    for (String row : rows) {
      assertTrue(!row.contains("NaN") && row.matches(".*\\d+\\.\\d+ / \\d+\\.\\d+.*×.*"), row);
    }
    assertTrue(report.contains("commit "), report);
  }
}
