package io.hubpolicy.console;

import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.authoring.DiffReplay;
import io.hubpolicy.authoring.DiffReport;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's diff: a candidate configuration (profiles, sizes…; the serving rules kept) replayed
 * by {@code hubpolicy diff}'s {@link DiffReplay} over the most recent recorded decisions, against
 * the configuration serving now. Bounded: the candidate's size, the records replayed, the changes
 * kept for the page, and one diff at a time per process (it builds a rule base and decides on this
 * process's cores, beside the hub's decisions).
 */
final class ConsoleDiff {
  /** The largest candidate accepted, in bytes. */
  static final int MAX_CANDIDATE = 4 * 1024 * 1024;

  static final int DEFAULT_RECORDS = 1000;
  static final int MAX_RECORDS = 10_000;

  /** Changed decisions listed on the page; the summary counts them all. */
  static final int SHOWN = 500;

  /** Records asked per history page (the query's most). */
  private static final int PAGE = 500;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final PolicyCalls calls;
  private final DecisionHistory history;
  private final Semaphore one = new Semaphore(1);

  ConsoleDiff(PolicyCalls calls, DecisionHistory history) {
    this.calls = calls;
    this.history = history;
  }

  /**
   * What a diff found.
   *
   * @param problems the candidate's, each with its line; when any, nothing was replayed
   * @param changes the first {@link #SHOWN} changed decisions, as {@code diff --format json} lines
   * @param summary {@code diff}'s summary object, null when there are problems
   */
  record Outcome(List<Problem> problems, List<JsonNode> changes, JsonNode summary, int records) {}

  /** Another diff is running on this process. */
  static final class BusyException extends PolicyException {
    BusyException() {
      super("a diff is running on this replica already; try again when it has finished");
    }
  }

  /**
   * @param records how many of the most recent decisions to replay, at most {@link #MAX_RECORDS}
   */
  Outcome run(String candidate, int records) {
    if (candidate == null || candidate.isBlank()) {
      throw new InvalidRequestException(
          "candidate", "paste a candidate configuration or choose a file to upload");
    }
    if (candidate.getBytes(StandardCharsets.UTF_8).length > MAX_CANDIDATE) {
      throw new InvalidRequestException(
          "candidate", "the candidate is larger than " + MAX_CANDIDATE / (1024 * 1024) + " MiB");
    }
    if (records < 1 || records > MAX_RECORDS) {
      throw new InvalidRequestException(
          "records", "records must be from 1 to " + MAX_RECORDS + "; got " + records);
    }
    if (!one.tryAcquire()) {
      throw new BusyException();
    }
    try {
      RuleBase base = calls.serving();
      RuleBaseBuilder.Report built =
          new RuleBaseBuilder()
              .check(List.of(new ConfigSource("candidate", candidate)), base.rules());
      if (!built.problems().isEmpty()) {
        return new Outcome(built.problems(), List.of(), null, 0);
      }
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      int n = recent(records, lines);
      StringWriter out = new StringWriter();
      List<String> bad = new ArrayList<>();
      new DiffReplay(base, built.ruleBase(), 1)
          .run(
              new ByteArrayInputStream(lines.toByteArray()),
              "history",
              new DiffReport(DiffReport.Format.JSON, out),
              bad::add);
      List<JsonNode> changes = new ArrayList<>();
      JsonNode summary = null;
      for (String l : out.toString().split("\n")) {
        if (l.isBlank()) {
          continue;
        }
        JsonNode o = JSON.readTree(l);
        if (o.has("summary")) {
          summary = o.get("summary");
        } else if (changes.size() < SHOWN) {
          changes.add(o);
        }
      }
      return new Outcome(List.of(), changes, summary, n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      one.release();
    }
  }

  /** Writes the most recent records, one JSON line each; returns how many. */
  private int recent(int wanted, ByteArrayOutputStream to) {
    int n = 0;
    String cursor = null;
    while (n < wanted) {
      Map<String, String> q = new LinkedHashMap<>();
      q.put("limit", Integer.toString(Math.min(PAGE, wanted - n)));
      if (cursor != null) {
        q.put("cursor", cursor);
      }
      JsonNode page = JSON.readTree(history.search(q));
      for (JsonNode r : page.path("decisions")) {
        to.writeBytes(JSON.writeValueAsBytes(r));
        to.write('\n');
        n++;
      }
      JsonNode next = page.path("next");
      if (!next.isString() || page.path("decisions").isEmpty()) {
        break;
      }
      cursor = next.asString();
    }
    return n;
  }
}
