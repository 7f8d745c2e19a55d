package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The smoke mode of {@code bench/run steps}: the harness runs and the table fills. No speed. */
class StepsBenchTest {
  @Test
  void smokeRunFillsTheTable() throws Exception {
    String report = Bench.run("steps", StepsBench::run, List.of(), true);
    List<String> rows = report.lines().filter(l -> l.startsWith("| 100 |")).toList();
    assertEquals(5, rows.size(), report);
    for (String row : rows) {
      assertTrue(!row.contains("NaN") && row.matches(".*\\| \\**[0-9.]+\\** \\|$"), row);
    }
  }
}
