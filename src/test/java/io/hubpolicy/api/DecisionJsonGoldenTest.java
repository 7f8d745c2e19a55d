package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.profiles.CompatTest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.services.PlannedService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The decision's wire format, byte for byte: the answer of {@code POST /v1/decisions} (every
 * explanation level, with a pod and its patch, with services' manifests and a service that cannot
 * be rendered) and the audit line, for decisions that use every part of the format (the old
 * system's configurations, pod fields, volumes, GPU types, warnings, exceptions, denials, saved
 * preferences with a secret variable). The expected text is in {@code decision-json.golden} beside
 * this class; clients parse it, and {@code hubpolicy diff} reads audit lines written by older
 * releases, so a change to it is a change of contract. {@code -Dgolden.update=true} rewrites the
 * file when a change is meant (review its diff).
 */
class DecisionJsonGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/io/hubpolicy/api/decision-json.golden");

  static final String WARN_DRL =
      """
      package test.golden;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;

      rule "Interns get at most 1Gi" @warn
      when
          Spawn( groups contains "interns" )
          $o : Outcome()
      then
          $o.capResource("limits.memory", "1Gi");
      end

      rule "Mallory is suspended"
      when
          Spawn( user == "mallory" || user == "bob" )
          $o : Outcome()
      then
          $o.deny("suspended; ask the hub admins");
      end
      """;

  static final String EVERYTHING =
      """
      profiles:
      - name: everyone
        env:
        - {name: HOMEDIR, value: "/home/{username}"}
        - {name: DB_PASSWORD, value: hunter2}
        - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: s, key: k}}}
        - {name: "Ünïcode", value: "naïve ☃ \\u00e9"}
        resources: {limits: {memory: 4Gi}}
        volumes:
        - name: home
          persistentVolumeClaim: {claimName: "claim-{username}"}
          mountPath: /home/jovyan
          subPath: "{unescaped_username}"
          readOnly: true
        node_selector: {disktype: ssd}
        init_containers:
        - name: fetch
          image: "busybox:1"
          env:
          - {name: API_TOKEN, value: abc}
          - {name: PLAIN, value: shown}
        extra_containers:
        - name: sidecar
          image: proxy
          env: [{name: PROXY_PASS, value: pw}]
          resources: {limits: {cpu: 250m}}
        uid: 1000
        supplemental_gids: [10, 20]
        pod_security_context: {runAsNonRoot: true, fsGroup: 5}
        extra_labels: {team: "t-{username}"}
        lifecycle_hooks:
          postStart: {exec: {command: [sh, -c, "echo hi"]}}
        node_tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
      - name: gpu users
        groups: [gpu]
        gpu: 1
      gpuTypes:
      - type: a100
        node_tolerations: [{key: a100, operator: Exists, effect: NoSchedule}]
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: gpu, operator: In, values: [a100]}]
      sizes:
      - name: Small
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '1', memory: 2Gi}}
      exceptions:
      - name: mallory demo day
        users: [mallory]
        rules: [Mallory is suspended]
        until: 2999-12-31
        reason: presents at the demo day
      """;

  /** One named case: its text, with the decision's random id made fixed. */
  record Case(String name, String text) {}

  static String compat(String name) {
    return CompatTest.text(CompatTest.compat(name));
  }

  static RuleBase compatRules(String... names) {
    List<ConfigSource> sources = new ArrayList<>();
    for (String n : names) {
      sources.add(new ConfigSource(n, compat(n)));
    }
    return new RuleBaseBuilder().build(sources, Engines.builtinRules());
  }

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    RuleBase jsp = Engines.ruleBase(compat("jsp-9fae848-openshift-example-configmap.yaml"));
    RuleBase odh =
        compatRules(
            "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-configmap.yaml",
            "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-sizes-configmap.yaml",
            "odh-manifests-4b0ea7e-jupyterhub-spark-operator-configmap.yaml",
            "odh-manifests-f64f5b2-overrides-sizes-configmap.yaml",
            "odh-manifests-f64f5b2-overrides-ui-config-ui.configmap.yaml");
    RuleBase classic =
        Engines.ruleBase(
            compat("odh-manifests-0d4b37e-jupyterhub-singleuser-profiles-configmap-classic.yaml"));
    RuleBase every = Engines.ruleBase(EVERYTHING, WARN_DRL);

    add(
        out,
        "jsp thoth large",
        decide(jsp, new SpawnRequest("vpavlin", List.of(), "s2i-thoth-notebook:3.6", "Large")));
    add(
        out,
        "jsp special nodes",
        decide(jsp, new SpawnRequest("acorvin", List.of(), "s2i-minimal-notebook:3.6", "Small")));
    add(
        out,
        "odh spark",
        decide(
            odh, new SpawnRequest("ana", List.of("g"), "s2i-spark-minimal-notebook:3.6", "Small")));
    add(
        out,
        "classic spark",
        decide(
            classic, new SpawnRequest("ana", List.of(), "s2i-spark-scipy-notebook:3.6", "Medium")));
    SpawnRequest saved =
        new SpawnRequest("ana", List.of("gpu", "interns"), "nb:1", "Small")
            .withServer("gpu-box")
            .withUserId(7L)
            .withGpu(1, "a100")
            .withPreferences(
                new UserPreferences(
                    null,
                    null,
                    1,
                    List.of(
                        new UserVariable("MY_VAR", "mine", false),
                        new UserVariable("MY_SECRET", null, true),
                        new UserVariable("GITHUB_TOKEN", "ghp_x", false))));
    add(out, "everything", decide(every, saved));
    add(out, "denied", decide(every, new SpawnRequest("bob", List.of(), null, null)));
    add(out, "exception", decide(every, new SpawnRequest("mallory", List.of(), null, null)));
    return out;
  }

  static Decision decide(RuleBase rb, SpawnRequest r) {
    return DecisionEngine.decide(r, rb);
  }

  /** The answer at every level, one with a pod, one with services' plans; and the audit line. */
  static void add(List<Case> out, String name, Decision d) {
    PodMutator.Result pod = new PodMutator().apply(PodFieldsTest.notebookPod(), d);
    List<DecisionJson.Explain> levels =
        List.of(
            DecisionJson.Explain.NONE,
            DecisionJson.Explain.FIELDS,
            DecisionJson.Explain.CLOSE,
            DecisionJson.Explain.FULL,
            DecisionJson.Explain.of(DecisionJson.Explain.Level.FULL, 1, 2));
    for (DecisionJson.Explain e : levels) {
      String level = e.level() + (e.offset() > 0 ? " page" : "");
      out.add(new Case(name + " / answer " + level, answer(d, null, e, List.of())));
    }
    out.add(
        new Case(
            name + " / answer with pod", answer(d, pod, DecisionJson.Explain.NONE, List.of())));
    if (!d.services().isEmpty()) {
      String service = d.services().keySet().iterator().next();
      PlannedService planned =
          new PlannedService(
              service,
              Lifecycle.SERVER_STOPPED,
              Map.of("SPARK_CLUSTER", "spark-ana"),
              List.of(
                  new GenericKubernetesResourceBuilder()
                      .withApiVersion("radanalytics.io/v1")
                      .withKind("SparkCluster")
                      .withNewMetadata()
                      .withName("spark-ana")
                      .addToLabels("app", "x")
                      .endMetadata()
                      .addToAdditionalProperties("spec", Map.of("workers", 2))
                      .build()),
              null);
      out.add(
          new Case(
              name + " / answer with plans",
              answer(d, null, DecisionJson.Explain.NONE, List.of(planned))));
      PlannedService failed =
          new PlannedService(
              service, Lifecycle.SERVER_STOPPED, null, null, "template 'x' not found");
      out.add(
          new Case(
              name + " / answer with a plan that failed",
              answer(d, null, DecisionJson.Explain.NONE, List.of(failed))));
    }
    String time = "2026-12-04T00:00:00Z";
    String line = AuditLine.text(d, time);
    assertEquals(line, DecisionJson.ascii(DecisionJson.auditLine(d, time)), "the line as a tree");
    out.add(new Case(name + " / audit line", fixed(d, line)));
  }

  /** The bytes the edges send; the tree other callers get prints the same. */
  static String answer(
      Decision d, PodMutator.Result pod, DecisionJson.Explain e, List<PlannedService> plans) {
    String text = AnswerJson.text(AnswerJson.bytes(d, pod, e, plans));
    if (plans.isEmpty()) {
      assertEquals(text, DecisionJson.compact(DecisionJson.toJson(d, pod, e)), "the tree");
    }
    return fixed(d, text);
  }

  static String fixed(Decision d, String text) {
    assertTrue(text.contains(d.decisionId()), text);
    return text.replace(d.decisionId(), "d-golden");
  }

  static String render(List<Case> cases) {
    StringBuilder b = new StringBuilder();
    for (Case c : cases) {
      b.append("# ").append(c.name()).append('\n').append(c.text()).append('\n');
    }
    return b.toString();
  }

  @Test
  void theAnswerAndTheAuditLineAreTheDocumentedTextByteForByte() throws IOException {
    String actual = render(cases());
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
    }
    String expected = Files.readString(GOLDEN, StandardCharsets.UTF_8);
    List<String> want = expected.lines().toList();
    List<String> got = actual.lines().toList();
    for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
      assertEquals(want.get(i), got.get(i), "line " + (i + 1) + " of " + GOLDEN);
    }
    assertEquals(want.size(), got.size(), "lines in " + GOLDEN);
  }

  @Test
  void theCasesUseEveryPartOfTheFormat() throws IOException {
    String all = Files.readString(GOLDEN, StandardCharsets.UTF_8);
    for (String part :
        List.of(
            "\"valueFrom\"",
            "\"secretKeyRef\"",
            "\"configMapKeyRef\"",
            "\"tolerations\":[{",
            "\"affinity\":{",
            "\"volumes\":[{",
            "\"mountPath\"",
            "\"readOnly\":true",
            "\"subPath\"",
            "\"services\":{\"",
            "\"manifests\":[{",
            "\"error\":\"template",
            "\"node_selector\"",
            "\"init_containers\"",
            "\"extra_containers\"",
            "\"supplemental_gids\":[10,20]",
            "\"warnings\":[{",
            "\"exceptions\":[{",
            "\"allowed\":false",
            "\"explanation\":{",
            "\"notAppliedCount\"",
            "\"closeCount\"",
            "\"offset\":1",
            "\"pod\":{",
            "\"patch\":[",
            "\"secret\":true",
            "\"***\"",
            "\\u00DC",
            "\"userId\":7",
            "\"gpuType\":\"a100\"")) {
      assertTrue(all.contains(part), "no case writes " + part);
    }
    List<String> lines = all.lines().toList();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).endsWith("/ audit line")) {
        String line = lines.get(i + 1);
        for (String secret : List.of("hunter2", "ghp_x", "\"abc\"", "\"pw\"")) {
          assertFalse(line.contains(secret), "a secret-looking value in " + lines.get(i));
        }
      }
    }
  }
}
