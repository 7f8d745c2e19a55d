package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoke mode of the benchmark, so it never rots. Asserts shape, never speed. */
class DecisionBenchTest {
  @Test
  void benchmarkRunsAndPrintsATable() {
    DecisionBench.Row row =
        DecisionBench.run(50, 100, 500, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(500, row.engine().length);
    assertTrue(row.avgMatches() > 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DecisionBench.print(List.of(row), new PrintStream(out, true, StandardCharsets.UTF_8));
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.lines().count() == 3 && table.contains("| 50 |"), table);
  }
}
