package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The diff benchmark runs (smoke): its figures mean nothing here, only that it works. */
class DiffBenchTest {
  @Test
  void smokeRunReplaysEveryLineInAChildProcess() throws Exception {
    String report = Bench.run("diff", DiffBench::run, List.of(), true);
    assertTrue(report.contains("| 2 | default | 2,000 |"), report);
  }
}
