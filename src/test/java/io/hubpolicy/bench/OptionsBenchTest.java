package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The options benchmark runs (smoke): its figures mean nothing here, only that it works. */
class OptionsBenchTest {
  @Test
  void smokeRunReportsEachCall() throws Exception {
    String report =
        Bench.run(
            "options", OptionsBench::run, List.of("--profiles", "50", "--images", "100"), true);
    assertTrue(report.contains("`GET /v1/options`"), report);
    assertTrue(report.contains("`POST /v1/previews`"), report);
    assertTrue(report.lines().filter(l -> l.startsWith("| `")).count() == 3, report);
  }
}
