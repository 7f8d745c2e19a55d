package io.hubpolicy.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The diff against an independent check: each request of a generated workload decided under both
 * configurations with {@link DecisionEngine#decide} and its fields' JSON compared as a whole. The
 * diff must report exactly the requests, and exactly the fields, that differ; from a file mixing
 * audit records (with saved choices, a server, the form's GPU choices) and request bodies.
 */
class DecisionDiffTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** Profiles beyond the workload's, so that every field can change. */
  static final String EXTRA =
      """
      - name: extra-gpu
        groups: [group-1]
        gpu: 1
        node_tolerations: [{key: k1, operator: Exists, effect: NoSchedule}]
      - name: extra-volume
        groups: [group-2]
        volumes:
        - {name: data, persistentVolumeClaim: {claimName: team-data}, mountPath: data}
        - {name: scratch, emptyDir: {}, mountPath: scratch}
      - name: extra-affinity
        groups: [group-3]
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
      - name: extra-services
        groups: [group-4]
        services:
          spark:
            template: spark-template
            parameters: {WORKERS: '2'}
      """;

  static final String GPU_TYPES =
      """
      gpuTypes:
      - type: a100
        node_tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      - type: t4
      """;

  static final String DENY_GROUP_5 =
      """
      package test.diff;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      rule "group-5 is closed"
      when
          Spawn( groups contains "group-5" )
          $o : Outcome()
      then
          modify ( $o ) { deny( "group-5 is closed this week" ) }
      end
      """;

  static RuleBase base;
  static RuleBase candidate;
  static List<SpawnRequest> requests = new ArrayList<>();
  static byte[] input;

  @BeforeAll
  static void workload() {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(150, 3000, 11);
    String baseYaml = w.yaml().replace("sizes:\n", EXTRA + "sizes:\n") + GPU_TYPES;
    String candidateYaml =
        baseYaml
            .replace("value: 'v17'", "value: 'changed'") // a profile's env
            .replaceFirst("value: 'v42'\\}", "value: 'v42'}\n  - {name: NEW_VAR, value: 'new'}")
            .replace("memory: 32Gi", "memory: 33Gi") // a size's resources (X Large)
            .replace("  groups: [group-7]\n", "  groups: [group-8]\n") // who a profile is for
            .replace("gpu: 1\n", "gpu: 2\n")
            .replace("key: k1, operator: Exists", "key: k2, operator: Exists")
            .replace("claimName: team-data", "claimName: other-data")
            .replace("values: [a]", "values: [b]")
            .replace("WORKERS: '2'", "WORKERS: '3'")
            .replace("- name: Huge\n", "- name: Enormous\n"); // Huge requests cannot be decided
    base = Engines.ruleBase(baseYaml);
    candidate = Engines.ruleBase(candidateYaml, DENY_GROUP_5);

    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < w.requests().size(); i++) {
      SpawnRequest r = w.requests().get(i);
      if (i % 7 == 0) {
        r = r.withGpu(i % 2, i % 14 == 0 ? "a100" : "t4");
      }
      if (i % 11 == 0) {
        r = r.withServer("srv-" + i);
      }
      if (i % 2 == 0) {
        if (i % 4 == 0) {
          r =
              r.withPreferences(
                  new UserPreferences(
                      null,
                      null,
                      i % 8 == 0 ? 0 : null,
                      List.of(
                          new UserVariable("EDITOR", "vim-" + i, false),
                          new UserVariable("VAR_3", "mine", false),
                          new UserVariable("MY_TOKEN", null, true))));
        }
        // An audit record, as serve writes it, of the decision under the base.
        lines.append(
            DecisionJson.ascii(
                DecisionJson.auditLine(DecisionEngine.decide(r, base), "2026-01-01T00:00:00Z")));
      } else {
        lines.append(body(r));
      }
      lines.append('\n');
      if (i % 500 == 0) {
        lines.append('\n'); // blank lines are skipped
      }
      requests.add(r);
    }
    input = lines.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A request body with the form's choices and the server, as a hub would send it. */
  static String body(SpawnRequest r) {
    ObjectNode o = (ObjectNode) JSON.readTree(WorkloadGenerator.requestBody(r));
    if (r.gpu() != null) {
      o.put("gpu", r.gpu());
      o.put("gpuType", r.gpuType());
    }
    if (!r.server().isEmpty()) {
      o.put("server", r.server());
    }
    return o.toString();
  }

  /** The independent check: per request, the fields whose JSON differs ("error" for a failure). */
  static Map<Integer, Set<String>> expected() {
    Map<Integer, Set<String>> out = new TreeMap<>();
    for (int i = 0; i < requests.size(); i++) {
      JsonNode a = decided(requests.get(i), base);
      JsonNode b = decided(requests.get(i), candidate);
      Set<String> fields = new TreeSet<>();
      if (a.has("error") || b.has("error")) {
        if (!a.equals(b)) {
          fields.add("error");
        }
      } else {
        for (String f : DecisionDiff.FIELDS) {
          if (!a.get(f).equals(b.get(f))) {
            fields.add(f);
          }
        }
      }
      if (!fields.isEmpty()) {
        out.put(i, fields);
      }
    }
    return out;
  }

  static JsonNode decided(SpawnRequest r, RuleBase rb) {
    try {
      return DecisionJson.toJson(DecisionEngine.decide(r, rb), null, DecisionJson.Explain.NONE);
    } catch (PolicyException e) {
      return JSON.createObjectNode().put("error", e.getMessage());
    }
  }

  static String run(DiffReport.Format format, int threads, List<String> bad) throws Exception {
    StringWriter out = new StringWriter();
    new DiffReplay(base, candidate, threads)
        .run(new ByteArrayInputStream(input), "mixed.jsonl", new DiffReport(format, out), bad::add);
    return out.toString();
  }

  /** The request index of a line of the input (blank lines after every 500th request). */
  static int index(long line) {
    int i = (int) line - 1;
    return i - (i + 499) / 501;
  }

  @Test
  void reportsExactlyTheRequestsAndFieldsThatTheIndependentCheckFindsChanged() throws Exception {
    Map<Integer, Set<String>> expected = expected();
    List<String> bad = new ArrayList<>();
    String out = run(DiffReport.Format.JSON, 2, bad);
    assertEquals(List.of(), bad);
    List<String> lines = out.lines().toList();
    Map<Integer, Set<String>> reported = new TreeMap<>();
    for (String l : lines.subList(0, lines.size() - 1)) {
      JsonNode change = JSON.readTree(l);
      int i = index(change.get("line").asLong());
      SpawnRequest r = requests.get(i);
      assertEquals(r.user(), change.get("user").asString(), l);
      assertEquals(i % 2 == 0 ? "audit" : "request", change.get("kind").asString(), l);
      assertEquals(r.server(), change.get("server").asString(), l);
      Set<String> fields = new TreeSet<>();
      JsonNode a = decided(r, base);
      JsonNode b = decided(r, candidate);
      for (JsonNode c : change.get("changes")) {
        String field = c.get("field").asString();
        fields.add(field);
        if (field.equals("error")) {
          assertEquals(a.get("error"), c.get("old"), l);
          assertEquals(b.get("error"), c.get("new"), l);
        } else if (!c.has("key")) {
          assertEquals(a.get(field), c.get("old"), l);
          assertEquals(b.get(field), c.get("new"), l);
        } else if (field.equals("env")) {
          String name = c.get("key").asString();
          assertEquals(env(a, name), c.get("old"), l);
          assertEquals(env(b, name), c.get("new"), l);
        } else if (field.equals("resources")) {
          String[] k = c.get("key").asString().split("\\.", 2);
          assertEquals(a.get(field).path(k[0]).get(k[1]), c.get("old"), l);
          assertEquals(b.get(field).path(k[0]).get(k[1]), c.get("new"), l);
        }
      }
      reported.put(i, fields);
    }
    assertEquals(expected.keySet(), reported.keySet(), "the requests that change");
    assertEquals(expected, reported, "the fields that change");
    // The workload's changes reach every kind of field, and some requests do not change.
    Set<String> seen = new TreeSet<>();
    expected.values().forEach(seen::addAll);
    assertEquals(
        new TreeSet<>(
            List.of(
                "allowed",
                "reasons",
                "profiles",
                "env",
                "resources",
                "tolerations",
                "affinity",
                "volumes",
                "gpu",
                "services",
                "error")),
        seen);
    assertTrue(expected.size() < requests.size() / 2, expected.size() + " changed");

    JsonNode summary = JSON.readTree(lines.get(lines.size() - 1)).get("summary");
    assertEquals(requests.size(), summary.get("requests").asLong());
    assertEquals(expected.size(), summary.get("changed").asLong());
    assertEquals(0, summary.get("badLines").asLong());
    assertEquals(requests.size() / 2, summary.get("auditRecords").asLong());
    assertEquals(0, summary.get("auditRecordsOfOtherRevisions").asLong());
    long deniedNow = expected.values().stream().filter(f -> f.contains("allowed")).count();
    assertEquals(deniedNow, summary.get("newlyDenied").asLong());
    assertEquals(
        expected.values().stream().filter(f -> f.contains("env")).count(),
        summary.at("/byField/env").asLong());
    long byUser = 0;
    for (JsonNode n : summary.get("byUser")) {
      byUser += n.asLong();
    }
    assertEquals(expected.size(), byUser);
  }

  /** A variable as the diff shows it: its value, or the entry without its name. */
  static JsonNode env(JsonNode decision, String name) {
    for (JsonNode e : decision.get("env")) {
      if (e.get("name").asString().equals(name)) {
        ObjectNode rest = ((ObjectNode) e).deepCopy();
        rest.remove("name");
        return rest.size() == 1 && rest.has("value") ? rest.get("value") : rest;
      }
    }
    return null;
  }

  @Test
  void oneThreadAndTwoWriteTheSameReportInInputOrder() throws Exception {
    String two = run(DiffReport.Format.JSON, 2, new ArrayList<>());
    assertEquals(run(DiffReport.Format.JSON, 1, new ArrayList<>()), two);
    long previous = 0;
    for (String l : two.lines().toList()) {
      JsonNode n = JSON.readTree(l);
      if (n.has("line")) {
        assertTrue(n.get("line").asLong() > previous, l);
        previous = n.get("line").asLong();
      }
    }
    String text = run(DiffReport.Format.TEXT, 2, new ArrayList<>());
    assertTrue(text.contains(" → "), text);
    assertEquals(run(DiffReport.Format.TEXT, 1, new ArrayList<>()), text);
  }

  @Test
  void anAuditRecordReplaysTheRequestItRecorded() {
    SpawnRequest r =
        new SpawnRequest(
                "ana",
                List.of("group-1", "group-3"),
                "notebook-4:v1",
                "Large",
                new UserPreferences(
                    "ignored:1",
                    "Small",
                    0,
                    List.of(
                        new UserVariable("EDITOR", "emacs", false),
                        new UserVariable("API_TOKEN", null, true))),
                1,
                "a100")
            .withServer("gpu-box");
    String line = DecisionJson.ascii(DecisionJson.auditLine(DecisionEngine.decide(r, base), "t"));
    DiffRequests.Replayable got = DiffRequests.parse(line.getBytes(StandardCharsets.UTF_8), 9);
    assertEquals(DiffRequests.Kind.AUDIT, got.kind());
    assertEquals(9, got.line());
    assertEquals(base.revision(), got.revision());
    assertNotNull(got.decisionId());
    // What the decision used: the saved image and size are not part of it.
    assertEquals(
        r.withPreferences(new UserPreferences(null, null, 0, r.preferences().env())),
        got.request());
    JsonNode input = JSON.readTree(line).get("input");
    assertEquals("gpu-box", input.get("server").asString());
    assertEquals(1, input.get("gpu").asInt());
    assertEquals("a100", input.get("gpuType").asString());
    assertEquals(0, input.at("/preferences/gpu").asInt());
    assertEquals(
        JSON.readTree(
            "[{\"name\":\"EDITOR\",\"value\":\"emacs\"},{\"name\":\"API_TOKEN\",\"secret\":true}]"),
        input.at("/preferences/env"));
  }

  @Test
  void aSavedVariableWhoseNameLooksSecretIsRecordedMaskedAndReplayedSo() {
    SpawnRequest r =
        new SpawnRequest("ana", List.of(), null, null)
            .withPreferences(
                new UserPreferences(
                    null, null, null, List.of(new UserVariable("MY_PASSWORD", "hunter2", false))));
    String line = DecisionJson.ascii(DecisionJson.auditLine(DecisionEngine.decide(r, base), "t"));
    assertFalse(line.contains("hunter2"), line);
    SpawnRequest replayed = DiffRequests.parse(line.getBytes(StandardCharsets.UTF_8), 1).request();
    assertEquals("***", replayed.preferences().env().get(0).value());
    // As recorded: the result's env shows the same mask.
    assertEquals("***", JSON.readTree(line).at("/result/env/MY_PASSWORD").asString());
  }

  @Test
  void linesThatAreNeitherSayWhy() {
    Map<String, String> cases = new TreeMap<>();
    cases.put("not json", "neither an audit record nor a request body");
    cases.put("[1,2]", "neither an audit record nor a request body");
    cases.put("{\"usr\":\"x\"}", "not a request body: unknown field 'usr'");
    cases.put("{\"user\":\"\"}", "not a request body: user is required");
    cases.put("{\"user\":\"a\",\"size\":3}", "not a request body: size must be a string");
    cases.put("{\"input\":{\"user\":\"a\"}}", "not an audit record: decisionId is required");
    cases.put(
        "{\"decisionId\":\"d-1\",\"input\":{\"user\":\"a\",\"podSpec\":{}}}",
        "not an audit record: input has 'podSpec'");
    cases.put(
        "{\"decisionId\":\"d-1\",\"input\":{\"groups\":[]}}",
        "not an audit record: input.user is required");
    cases.put(
        "{\"decisionId\":\"d-1\",\"input\":{\"user\":\"a\",\"preferences\":{\"gpu\":-1}}}",
        "input.preferences.gpu must be a whole number");
    cases.put(
        "{\"decisionId\":\"d-1\",\"input\":{\"user\":\"a\",\"preferences\":{\"env\":[{\"name\":\"X\",\"valueFrom\":{}}]}}}",
        "input.preferences.env[0] has 'valueFrom'");
    cases.forEach(
        (line, message) -> {
          DiffRequests.BadLineException e =
              assertThrows(
                  DiffRequests.BadLineException.class,
                  () -> DiffRequests.parse(line.getBytes(StandardCharsets.UTF_8), 1),
                  line);
          assertTrue(e.getMessage().contains(message), line + " -> " + e.getMessage());
        });
    assertThrows(
        DiffRequests.BadLineException.class,
        () -> DiffRequests.parse(new byte[] {'{', (byte) 0xff, '}'}, 1));
  }

  @Test
  void linesAreSplitWithoutHoldingAnOverlongOne() throws Exception {
    byte[] big = new byte[DiffRequests.MAX_LINE + 10];
    java.util.Arrays.fill(big, (byte) 'x');
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    text.write("one\r\n".getBytes(StandardCharsets.US_ASCII));
    text.write(big);
    text.write("\ntwo\n\nthree".getBytes(StandardCharsets.US_ASCII));
    DiffRequests.Lines lines = new DiffRequests.Lines(new ByteArrayInputStream(text.toByteArray()));
    assertEquals("one", new String(lines.next().bytes(), StandardCharsets.US_ASCII));
    DiffRequests.Lines.Raw tooLong = lines.next();
    assertTrue(tooLong.tooLong());
    assertNull(tooLong.bytes());
    assertEquals(2, tooLong.number());
    assertEquals("two", new String(lines.next().bytes(), StandardCharsets.US_ASCII));
    assertEquals(0, lines.next().bytes().length);
    DiffRequests.Lines.Raw last = lines.next();
    assertEquals("three", new String(last.bytes(), StandardCharsets.US_ASCII));
    assertEquals(5, last.number());
    assertNull(lines.next());
  }
}
