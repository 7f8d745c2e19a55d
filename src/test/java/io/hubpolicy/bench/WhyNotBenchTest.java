package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The smoke mode of {@code bench/run whynot}: the harness runs and the table fills. No speed. */
class WhyNotBenchTest {
  @Test
  void smokeRunFillsTheTable() throws Exception {
    String report = Bench.run("whynot", WhyNotBench::run, List.of(), true);
    List<String> rows = report.lines().filter(l -> l.startsWith("| 100 |")).toList();
    assertTrue(rows.size() == 1 && !rows.get(0).contains("NaN"), report);
  }
}
