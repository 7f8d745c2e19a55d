package io.hubpolicy.cli;

import static io.hubpolicy.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.authoring.DiffRequests;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.preferences.InMemoryPreferenceStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hubpolicy diff}, in process: an audit log written by a real {@link AuditLog} replays to no
 * change against its own configuration; a changed env, a changed size and a new deny rule are
 * reported per field; bad lines and bad configurations name where; the exit codes.
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
@ResourceLock("java.lang.System.in")
class DiffCommandTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  static final String BASE =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: main}]
      - name: data science
        groups: [ds]
        env: [{name: BUCKET, value: team-a}]
      - name: gpu team
        groups: [gpu]
        gpu: 2
      sizes:
      - name: Small
        resources: {limits: {cpu: '1', memory: 2Gi}}
      - name: Large
        resources: {limits: {cpu: '8', memory: 8Gi}}
      gpuTypes:
      - type: a100
        node_tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
      - type: t4
      """;

  static final String DENY_LARGE =
      """
      package test.diff;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      rule "Large is for the gpu team"
      when
          Spawn( size == "Large", !( groups contains "gpu" ) )
          $o : Outcome()
      then
          modify ( $o ) { deny( "Large is for the gpu team this week" ) }
      end
      """;

  static final List<String> BODIES =
      List.of(
          "{\"user\":\"bob\",\"groups\":[\"ds\"],\"image\":\"minimal:1\",\"size\":\"Large\"}",
          "{\"user\":\"bob\",\"groups\":[\"ds\"],\"image\":\"minimal:1\",\"size\":\"Small\"}",
          "{\"user\":\"carol\",\"image\":\"minimal:1\",\"size\":\"Default\"}",
          "{\"user\":\"ana\",\"groups\":[\"gpu\"],\"size\":\"Large\",\"server\":\"big\","
              + "\"gpu\":1,\"gpuType\":\"a100\"}");

  @TempDir Path tmp;
  Path base;
  Path requests;

  @BeforeEach
  void files() throws Exception {
    base = write("base.yaml", BASE);
    requests = write("requests.jsonl", String.join("\n", BODIES) + "\n");
  }

  Path write(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  CliTest.Run diff(String... more) {
    String[] args = new String[more.length + 1];
    args[0] = "diff";
    System.arraycopy(more, 0, args, 1, more.length);
    return run(args);
  }

  @Test
  void anAuditLogReplayedAgainstItsOwnConfigurationChangesNothing() throws Exception {
    RuleBase rb = RuleBaseBuilder.fromPaths(List.of(base), List.of(DefaultConfig.rules()));
    InMemoryPreferenceStore store = new InMemoryPreferenceStore();
    store.save(
        "ana",
        new UserPreferences(
            "minimal:1",
            "Small",
            1,
            List.of(
                new UserVariable("EDITOR", "vim", false),
                new UserVariable("API_TOKEN", null, true),
                new UserVariable("DB_PASSWORD", "hunter2", false))),
        Map.of("API_TOKEN", "s3cret"));
    store.save(
        "bob",
        new UserPreferences(null, null, null, List.of(new UserVariable("BUCKET", "mine", false))),
        Map.of());
    Path audit = tmp.resolve("audit.jsonl");
    AuditLog log = AuditLog.toFile(audit);
    DecisionService service =
        new DecisionService(new DecisionEngine(rb), new PodMutator(), log, store);
    for (int round = 0; round < 3; round++) {
      for (String body : BODIES) {
        service.decide(DecideCall.parse(body), DecisionJson.Explain.NONE);
      }
    }
    log.close();
    List<String> lines = Files.readAllLines(audit);
    assertEquals(3 * BODIES.size(), lines.size());
    String all = String.join("\n", lines);
    assertFalse(all.contains("s3cret") || all.contains("hunter2"), all);

    // The line carries the whole request, saved choices as applied.
    JsonNode ana = JSON.readTree(lines.get(3)).get("input");
    assertEquals(
        JSON.readTree(
            """
            {"user":"ana","groups":["gpu"],"image":null,"size":"Large","server":"big","gpu":1,
             "gpuType":"a100","preferences":{"gpu":1,"env":[{"name":"EDITOR","value":"vim"},
             {"name":"API_TOKEN","secret":true},{"name":"DB_PASSWORD","value":"***"}]}}
            """),
        ana);

    // Each replayed decision is the recorded one: same input, same result, same rules fired.
    for (String line : lines) {
      JsonNode recorded = JSON.readTree(line);
      DiffRequests.Replayable r = DiffRequests.parse(line.getBytes(StandardCharsets.UTF_8), 1);
      JsonNode replayed =
          JSON.readTree(
              DecisionJson.ascii(
                  DecisionJson.auditLine(DecisionEngine.decide(r.request(), rb), "t")));
      assertEquals(recorded.get("revision"), replayed.get("revision"));
      assertEquals(recorded.get("input"), replayed.get("input"), line);
      assertEquals(recorded.get("result"), replayed.get("result"), line);
      assertEquals(recorded.get("firedRules"), replayed.get("firedRules"), line);
    }

    CliTest.Run same =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            base.toString(),
            "--requests",
            audit.toString());
    assertEquals(0, same.exit(), same.out() + same.err());
    assertTrue(same.out().startsWith("12 requests replayed: no decision changes"), same.out());

    // Mixed with request bodies in one file: still nothing changes.
    Path mixed = write("mixed.jsonl", all + "\n" + String.join("\n", BODIES) + "\n");
    CliTest.Run json =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            base.toString(),
            "--requests",
            mixed.toString(),
            "--format",
            "json");
    assertEquals(0, json.exit(), json.err());
    JsonNode summary = json.json().get("summary");
    assertEquals(16, summary.get("requests").asInt());
    assertEquals(12, summary.get("auditRecords").asInt());
    assertEquals(0, summary.get("changed").asInt());

    // The saved variable that bob's profile also sets shows once the profile changes it.
    Path candidate = write("candidate.yaml", BASE.replace("value: team-a", "value: team-b"));
    CliTest.Run changed =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            candidate.toString(),
            "--requests",
            mixed.toString());
    assertEquals(1, changed.exit(), changed.out() + changed.err());
    // Bob's saved BUCKET wins over the profile in the audit records; the bodies have none.
    assertFalse(changed.out().contains("\"mine\""), changed.out());
    assertTrue(changed.out().contains("2 decisions change"), changed.out());
  }

  @Test
  void aChangedEnvASizeAndANewDenyRuleAreReportedPerField() throws Exception {
    Path candidate =
        write(
            "candidate.yaml",
            BASE.replace("value: team-a", "value: team-b").replace("memory: 8Gi", "memory: 16Gi"));
    Path deny = write("deny.drl", DENY_LARGE);
    CliTest.Run r =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            candidate.toString(),
            "--candidate-rules",
            deny.toString(),
            "--requests",
            requests.toString());
    assertEquals(1, r.exit(), r.out() + r.err());
    String expected =
        """
        bob (ds) minimal:1 Large:
          allowed: true → false
          reasons: [] → ["Large is for the gpu team this week"]
          env.BUCKET: "team-a" → "team-b"
          env.MEM_LIMIT: "8589934592" → "17179869184"
          resources.limits.memory: "8Gi" → "16Gi"
        bob (ds) minimal:1 Small:
          env.BUCKET: "team-a" → "team-b"
        ana (gpu) (no image) Large:
          env.MEM_LIMIT: "8589934592" → "17179869184"
          resources.limits.memory: "8Gi" → "16Gi"

        4 requests replayed: 3 decisions change (75.00 %), for 2 users
          by field: allowed 1, reasons 1, env 3, resources 2
          newly denied: 1, newly allowed: 0
          by user: bob 2, ana 1
        """;
    assertTrue(r.out().startsWith(expected), r.out());
    assertTrue(r.out().contains("  base revision "), r.out());

    CliTest.Run json =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            candidate.toString(),
            "--candidate-rules",
            deny.toString(),
            "--requests",
            requests.toString(),
            "--format",
            "json");
    assertEquals(1, json.exit(), json.err());
    List<JsonNode> lines = json.out().lines().map(JSON::readTree).toList();
    assertEquals(4, lines.size(), json.out());
    JsonNode first = lines.get(0);
    assertEquals(1, first.get("line").asInt());
    assertEquals("request", first.get("kind").asString());
    assertEquals("bob", first.get("user").asString());
    assertEquals("Large", first.get("size").asString());
    assertEquals(
        JSON.readTree(
            """
            [{"field":"allowed","old":true,"new":false},
             {"field":"reasons","old":[],"new":["Large is for the gpu team this week"]},
             {"field":"env","key":"BUCKET","old":"team-a","new":"team-b"},
             {"field":"env","key":"MEM_LIMIT","old":"8589934592","new":"17179869184"},
             {"field":"resources","key":"limits.memory","old":"8Gi","new":"16Gi"}]
            """),
        first.get("changes"));
    JsonNode ana = lines.get(2);
    assertEquals(4, ana.get("line").asInt());
    assertEquals("big", ana.get("server").asString());
    JsonNode summary = lines.get(3).get("summary");
    assertEquals(4, summary.get("requests").asInt());
    assertEquals(3, summary.get("changed").asInt());
    assertEquals(1, summary.get("newlyDenied").asInt());
    assertEquals(JSON.readTree("{\"bob\":2,\"ana\":1}"), summary.get("byUser"));
    assertEquals(
        JSON.readTree("{\"allowed\":1,\"reasons\":1,\"env\":3,\"resources\":2}"),
        summary.get("byField"));
  }

  @Test
  void exitCodes() throws Exception {
    String b = base.toString();
    String q = requests.toString();
    Path deny = write("deny.drl", DENY_LARGE);
    Path other = write("other.yaml", BASE.replace("value: main", "value: other"));
    // 0: nothing changes, also when --rules adds the same rule to both.
    assertEquals(0, diff("--base", b, "--candidate", b, "--requests", q).exit());
    assertEquals(
        0, diff("--base", b, "--candidate", b, "--rules", deny.toString(), "--requests", q).exit());
    // 1: something changes; the rule on one side only, or the profiles.
    assertEquals(
        1,
        diff("--base", b, "--candidate", b, "--base-rules", deny.toString(), "--requests", q)
            .exit());
    assertEquals(1, diff("--base", b, "--candidate", other.toString(), "--requests", q).exit());
    // Several sources per side, as --profiles takes them.
    Path extra = write("extra.yaml", "profiles: [{name: late, env: [{name: SITE, value: late}]}]");
    assertEquals(
        1,
        diff("--base", b, "--candidate", b, extra.toString(), "--requests", q, "--threads", "1")
            .exit());
    // 2: bad input of every kind.
    assertEquals(
        2,
        diff("--base", b, "--candidate", b, "--requests", tmp.resolve("none.jsonl").toString())
            .exit());
    assertEquals(2, diff("--base", b, "--candidate", b).exit(), "--requests is required");
    assertEquals(2, diff("--candidate", b, "--requests", q).exit(), "--base is required");
    assertEquals(2, diff("--base", b, "--candidate", b, "--requests", q, "--format", "xml").exit());
    Path bad = write("bad.jsonl", BODIES.get(0) + "\nnot json\n");
    assertEquals(
        2, diff("--base", b, "--candidate", other.toString(), "--requests", bad.toString()).exit());
  }

  @Test
  void badLinesAreNamedFileAndLine() throws Exception {
    Path bad =
        write(
            "bad.jsonl",
            BODIES.get(0)
                + "\nnot json\n{\"user\":\"x\",\"sise\":\"Large\"}\n\n"
                + "{\"decisionId\":\"d-1\",\"input\":{\"user\":\"x\",\"gpu\":\"two\"}}\n"
                + BODIES.get(1)
                + "\n");
    CliTest.Run r =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            base.toString(),
            "--requests",
            bad.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    String f = bad.toString();
    assertTrue(r.err().contains(f + ":2: neither an audit record nor a request body"), r.err());
    assertTrue(r.err().contains(f + ":3: not a request body: unknown field 'sise'"), r.err());
    assertTrue(r.err().contains(f + ":5: not an audit record: input.gpu must be"), r.err());
    assertTrue(r.err().contains("3 lines of " + f + " neither"), r.err());
    assertTrue(r.out().contains("2 requests replayed"), r.out());
    assertTrue(r.out().contains("bad lines (not replayed): 3"), r.out());
    CliTest.assertNoStackTrace(r);
  }

  @Test
  void aBadConfigurationIsNamedWithItsProblems() throws Exception {
    Path broken = write("broken.yaml", "profiles:\n- name: x\n  evn: []\n");
    CliTest.Run r =
        diff(
            "--base",
            base.toString(),
            "--candidate",
            broken.toString(),
            "--requests",
            requests.toString());
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("--candidate: 1 problem"), r.err());
    assertTrue(r.err().contains(broken + ":3"), r.err());
    assertEquals("", r.out());
    Path badDrl = write("bad.drl", "package x;\nrule \"r\" when then oops end\n");
    CliTest.Run rules =
        diff(
            "--base",
            base.toString(),
            "--base-rules",
            badDrl.toString(),
            "--candidate",
            base.toString(),
            "--requests",
            requests.toString());
    assertEquals(2, rules.exit(), rules.err());
    assertTrue(rules.err().contains("--base: "), rules.err());
    assertTrue(rules.err().contains("bad.drl"), rules.err());
  }

  @Test
  void readsStandardInput() throws Exception {
    InputStream old = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(
              (String.join("\n", BODIES) + "\nnope\n").getBytes(StandardCharsets.UTF_8)));
      CliTest.Run r =
          diff("--base", base.toString(), "--candidate", base.toString(), "--requests", "-");
      assertEquals(2, r.exit(), r.out() + r.err());
      assertTrue(r.err().contains("<stdin>:5: "), r.err());
    } finally {
      System.setIn(old);
    }
  }
}
