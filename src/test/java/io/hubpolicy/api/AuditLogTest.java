package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Looking decisions up in the audit log: from memory, from the queue, and from the file. */
class AuditLogTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static RuleBase rb;

  @TempDir Path tmp;

  @BeforeAll
  static void ruleBase() {
    // "big" gets a variable longer than the 64 KiB the file is read back in, so that its line
    // spans chunks.
    rb =
        Engines.ruleBase(
            """
            profiles:
            - name: everyone
              env: [{name: SITE, value: main}]
            - name: big
              users: [big]
              env: [{name: LARGE, value: %s}]
            """
                .formatted("x".repeat(150_000)));
  }

  static Decision decide(String user) {
    return Engines.decide(rb, user, null, null);
  }

  static String idOf(String line) {
    return JSON.readTree(line).get("decisionId").asString();
  }

  @Test
  void withAFewLinesKeptEveryDecisionIsFoundFromMemoryOrTheFile() throws Exception {
    FileAuditLog log = new FileAuditLog(tmp.resolve("few.jsonl"), 3);
    try {
      java.util.List<Decision> all = new java.util.ArrayList<>();
      java.util.Random r = new java.util.Random(5);
      for (int i = 0; i < 200; i++) {
        Decision d = decide("u" + i);
        log.record(d);
        all.add(d);
        Decision any = all.get(r.nextInt(all.size()));
        for (Decision q : java.util.List.of(d, any)) {
          Optional<String> line = log.find(q.decisionId());
          assertTrue(line.isPresent(), "decision " + q.decisionId() + " not found");
          assertEquals(q.decisionId(), idOf(line.get()));
        }
      }
    } finally {
      log.close();
    }
  }

  @Test
  void aDecisionIsFoundAsSoonAsItIsRecorded() throws Exception {
    FileAuditLog log = new FileAuditLog(tmp.resolve("a.jsonl"), 0);
    try {
      // Capacity 0 and a stream of decisions: a line may leave memory only once it is on disk,
      // so whichever of queue and file holds it, each is found right after it was recorded.
      for (int i = 0; i < 300; i++) {
        Decision d = decide("u" + i);
        log.record(d);
        Optional<String> line = log.find(d.decisionId());
        assertTrue(line.isPresent(), "decision " + i + " not found");
        assertEquals(d.decisionId(), idOf(line.get()));
        assertEquals("u" + i, JSON.readTree(line.get()).at("/input/user").asString());
      }
    } finally {
      log.close();
    }
  }

  @Test
  void olderDecisionsAreReadBackFromTheFileEndWithoutMixingLines() throws Exception {
    Path file = tmp.resolve("b.jsonl");
    List<String> ids = new ArrayList<>();
    AuditLog first = AuditLog.toFile(file);
    for (int i = 0; i < 400; i++) {
      // A long line every 50, so that lines cross chunk boundaries in every way.
      Decision d = decide(i % 50 == 7 ? "big" : "user-" + i);
      first.record(d);
      ids.add(d.decisionId());
    }
    first.close();
    assertTrue(Files.size(file) > 3 * 64 * 1024, Files.size(file) + " bytes");

    // A new log on the same file (as after a restart) remembers none of them.
    FileAuditLog again = new FileAuditLog(file, 0);
    try {
      for (int i : new int[] {0, 1, 7, 8, 56, 57, 200, 357, 398, 399}) {
        Optional<String> line = again.find(ids.get(i));
        assertTrue(line.isPresent(), "decision " + i + " not found");
        JsonNode n = JSON.readTree(line.get());
        assertEquals(ids.get(i), n.get("decisionId").asString());
        assertEquals(i % 50 == 7 ? "big" : "user-" + i, n.at("/input/user").asString());
      }
      assertEquals(Optional.empty(), again.find("d-no-such-decision"));
      // A prefix of a real id is not that decision.
      assertEquals(Optional.empty(), again.find(ids.get(3).substring(0, ids.get(3).length() - 1)));
    } finally {
      again.close();
    }
  }

  @Test
  void aLogThatDoesNotExistYetHasNoDecisions() throws Exception {
    Path file = tmp.resolve("c.jsonl");
    FileAuditLog log = new FileAuditLog(file, 0);
    try {
      Files.delete(file);
      assertEquals(Optional.empty(), log.find("d-x"));
    } finally {
      log.close();
    }
  }

  @Test
  void withoutALogLookingUpSaysTheLogIsOff() {
    AuditLog.OffException e =
        assertThrows(AuditLog.OffException.class, () -> AuditLog.NONE.find("d-1"));
    assertTrue(e.getMessage().contains("--audit-log none"), e.getMessage());
  }

  /**
   * A lone UTF-16 surrogate in a request once made every later write fail ("Input length = 1"): any
   * caller could switch the audit trail off. Lines are ASCII now, whatever they hold.
   */
  @Test
  void noContentCanStopTheWriter() throws Exception {
    Path file = tmp.resolve("hostile.jsonl");
    FileAuditLog log = new FileAuditLog(file, 0);
    List<String> users =
        List.of("\ud800x", "a\u0000b", "\udfff", "line\nbreak", "ü\u2028ser", "ok");
    try {
      for (String u : users) {
        log.record(decide(u));
      }
    } finally {
      log.close();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    assertEquals(users.size(), lines.size(), "every record written, none after them lost");
    for (int i = 0; i < users.size(); i++) {
      assertTrue(lines.get(i).chars().allMatch(c -> c < 0x80), "ASCII: " + lines.get(i));
      assertEquals(users.get(i), JSON.readTree(lines.get(i)).at("/input/user").asString());
    }
    assertEquals(0, log.failures());
  }

  /** A record that cannot be made is counted and skipped; the next one is written. */
  @Test
  void aRecordThatCannotBeMadeIsSkippedAndTheNextIsWritten() throws Exception {
    Path file = tmp.resolve("skip.jsonl");
    FileAuditLog log = new FileAuditLog(file, 0);
    Decision good = decide("after");
    Decision broken =
        new Decision(
            "d-broken",
            null,
            null,
            true,
            List.of(),
            List.of(),
            List.of(),
            null,
            List.of(),
            null,
            List.of(),
            0,
            java.util.Map.of(),
            io.hubpolicy.model.PodSettings.NONE,
            List.of(),
            List.of(),
            List.of(),
            java.util.Map::of,
            null);
    try {
      log.record(broken);
      log.record(good);
    } finally {
      log.close();
    }
    assertEquals(1, log.failures());
    List<String> lines = Files.readAllLines(file);
    assertEquals(1, lines.size());
    assertEquals(good.decisionId(), idOf(lines.get(0)));
  }

  /** A disk that refuses writes costs those records, counted; the writer lives on. */
  @Test
  void aFailingDiskIsCountedAndTheWriterGoesOn() throws Exception {
    Path full = Path.of("/dev/full");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isWritable(full), "needs /dev/full (Linux) to make every write fail");
    FileAuditLog log = new FileAuditLog(full, 0);
    try {
      log.record(decide("one"));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (log.failures() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(log.failures() > 0, "the failed write is counted");
      long before = log.failures();
      log.record(decide("two"));
      while (log.failures() == before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(log.failures() > before, "the writer still writes (and fails) after a failure");
    } finally {
      log.close();
    }
  }
}
