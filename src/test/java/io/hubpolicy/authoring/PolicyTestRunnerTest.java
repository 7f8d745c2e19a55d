package io.hubpolicy.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy test runner on files written here: every expectation kind passing and failing (each
 * failure names its field with expected and got), configurations from paths relative to the test
 * file, and malformed files reported with file, line and field.
 */
class PolicyTestRunnerTest {
  static final PolicyTestRunner RUNNER = new PolicyTestRunner(Path.of("rules"));

  /** A profile with one of everything, a size and a GPU group; in profiles/base.yaml. */
  static final String PROFILES =
      """
      profiles:
      - name: base
        env:
        - {name: EDITOR, value: vim}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: team, key: token}}
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '1', memory: 2Gi}}
        node_tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}]
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
        volumes: [{name: data, emptyDir: {}, mountPath: data}]
        services:
          spark:
            resources: [{name: spark-templates, path: cluster}]
      - name: gpu users
        groups: [gpu]
        gpu: 2
      sizes:
      - name: Large
        resources: {limits: {cpu: '8', memory: 8Gi}}
      """;

  /** A policy rule, in policy/deny.drl. */
  static final String DENY_DRL =
      """
      package test.authoring;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      rule "Interns may not start Large servers"
      when
          Spawn( groups contains "interns", size == "Large" )
          $o : Outcome()
      then
          modify ( $o ) { deny( "interns may not start Large servers" ) }
      end
      """;

  /** The test file's head: the configuration, relative to tests/. */
  static final String HEAD =
      """
      profiles: [profiles/base.yaml]
      rules: [../policy]
      cases:
      """;

  @TempDir Path tmp;

  @BeforeEach
  void layout() throws IOException {
    Files.createDirectories(tmp.resolve("tests/profiles"));
    Files.createDirectories(tmp.resolve("policy"));
    Files.writeString(tmp.resolve("tests/profiles/base.yaml"), PROFILES);
    Files.writeString(tmp.resolve("policy/deny.drl"), DENY_DRL);
  }

  Path write(String name, String text) throws IOException {
    Path f = tmp.resolve("tests").resolve(name);
    Files.writeString(f, text);
    return f;
  }

  static PolicyTestResult run(Path file) {
    return RUNNER.run(new PolicyTestRunner.Candidate(file, true));
  }

  static Map<String, PolicyTestResult.Case> byName(PolicyTestResult r) {
    assertEquals(List.of(), r.problems(), "problems");
    Map<String, PolicyTestResult.Case> out = new LinkedHashMap<>();
    r.cases().forEach(c -> out.put(c.name(), c));
    return out;
  }

  static String problems(PolicyTestResult r) {
    return r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n"));
  }

  // ---------------------------------------------------------------- passing

  @Test
  void everyKindOfExpectationPassesOnAMatchingDecision() throws IOException {
    Path f =
        write(
            "pass.yaml",
            HEAD
                + """
                - name: one of everything
                  request: {user: ann, size: Large}
                  fired:
                  - Apply matching profile
                  - Merged profiles are visible to the rules below
                  - The chosen size applies after every profile
                  - Every notebook knows its user name
                  - MEM_LIMIT carries the memory limit in bytes
                  firedInOrder: [Apply matching profile, MEM_LIMIT carries the memory limit in bytes]
                  notFired: [Interns may not start Large servers]
                  expect:
                    allowed: true
                    reasons: []
                    profiles: [base]
                    env:
                      EDITOR: vim
                      MEM_LIMIT: 8589934592
                      JUPYTERHUB_USER_NAME: ann
                      TOKEN: {secret: team/token}
                      NOT_THERE: ~
                    secretRefs: {TOKEN: team/token}
                    resources:
                      limits: {cpu: 8000m, memory: 8Gi, nvidia.com/gpu: ~}
                      requests: {cpu: 500m, memory: 1Gi}
                    tolerations: [k]
                    affinity:
                      nodeAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution:
                          nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
                    volumes: [data]
                    gpu: 0
                    services: [spark]
                    sources:
                      resources.limits.memory: {rule: The chosen size applies after every profile, profile: ~}
                      resources.requests.cpu: {profile: base, rule: Apply matching profile}
                      env.MEM_LIMIT: {rule: MEM_LIMIT carries the memory limit in bytes, salience: -100000}
                      env.EDITOR: {profile: base}
                      tolerations[0]: {profile: base}
                      gpu: ~
                - name: the shorthands and full forms
                  request: {user: gus, groups: [gpu]}
                  expect:
                    limits: {nvidia.com/gpu: 2, memory: 2Gi}
                    requests: {nvidia.com/gpu: '2'}
                    env:
                      TOKEN: {valueFrom: {secretKeyRef: {name: team, key: token}}}
                      EDITOR: {value: vim}
                    tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}]
                    gpu: 2
                    sources:
                      gpu: {profile: gpu users}
                - name: a policy rule denies, with its reason
                  request: {user: ivan, groups: [interns], size: Large}
                  firedInOrder: [The chosen size applies after every profile, Interns may not start Large servers]
                  expect:
                    allowed: false
                    reasons: [interns may not start Large servers]
                    sources: {allowed: {rule: Interns may not start Large servers}}
                - name: an unknown size is refused
                  request: {user: ann, size: XL}
                  expect: {error: "size: unknown size 'XL'"}
                - name: no expectations only needs a decision
                  request: {user: ann, preferences: {gpu: 0, env: [{name: MINE, value: 1}]}}
                """);
    PolicyTestResult r = run(f);
    assertEquals(List.of(), r.problems());
    for (PolicyTestResult.Case c : r.cases()) {
      assertTrue(c.passed(), c.name() + ":\n" + c.describe());
    }
    assertEquals(5, r.passed());
  }

  @Test
  void firedInOrderIsAnOrderedSubsequence() throws IOException {
    Path f =
        write(
            "order.yaml",
            HEAD
                + """
                - name: gaps are fine
                  request: {user: ann}
                  firedInOrder: [Apply matching profile, MEM_LIMIT carries the memory limit in bytes]
                - name: the order is not
                  request: {user: ann}
                  firedInOrder: [MEM_LIMIT carries the memory limit in bytes, Apply matching profile]
                - name: a rule that did not fire
                  request: {user: ann}
                  firedInOrder: [Apply matching profile, The chosen size applies after every profile]
                - name: a rule may repeat when it fires twice
                  request: {user: gus, groups: [gpu]}
                  firedInOrder: [Apply matching profile, Apply matching profile, Every notebook knows its user name]
                - name: but not more often than it fired
                  request: {user: ann}
                  firedInOrder: [Apply matching profile, Apply matching profile]
                """);
    Map<String, PolicyTestResult.Case> cases = byName(run(f));
    assertTrue(cases.get("gaps are fine").passed(), cases.get("gaps are fine").describe());
    assertTrue(cases.get("a rule may repeat when it fires twice").passed());
    assertTrue(
        cases
            .get("the order is not")
            .describe()
            .contains(
                "got:      'Apply matching profile' did not fire after 'MEM_LIMIT carries the"
                    + " memory limit in bytes'"),
        cases.get("the order is not").describe());
    assertTrue(
        cases
            .get("a rule that did not fire")
            .describe()
            .contains("'The chosen size applies after every profile' did not fire; fired:"));
    assertTrue(
        cases
            .get("but not more often than it fired")
            .describe()
            .contains("'Apply matching profile' did not fire after 'Apply matching profile'"));
  }

  // ---------------------------------------------------------------- failing, one kind each

  /** Each case fails exactly one expectation; the message names the field, expected and got. */
  @Test
  void eachKindOfExpectationFailsWithExpectedAndGotForItsFieldOnly() throws IOException {
    Map<String, String> want = new LinkedHashMap<>();
    StringBuilder text = new StringBuilder(HEAD);
    addCase(
        text,
        want,
        "fired",
        "fired: [Apply matching profile]",
        "fired (line ",
        "expected: 1. Apply matching profile\n",
        "got:      1. Apply matching profile\n",
        "(first difference at 2: expected nothing more, got 'Merged profiles are visible to the"
            + " rules below')");
    addCase(
        text,
        want,
        "firedInOrder",
        "firedInOrder: [Interns may not start Large servers]",
        "firedInOrder (line ",
        "'Interns may not start Large servers' did not fire");
    addCase(
        text,
        want,
        "notFired",
        "notFired: [Every notebook knows its user name]",
        "notFired (line ",
        "expected: none of ['Every notebook knows its user name'] to fire",
        "got:      ['Every notebook knows its user name'] fired");
    addCase(
        text,
        want,
        "allowed",
        "expect: {allowed: false}",
        "allowed (line ",
        "expected: false\n",
        "got:      true");
    addCase(
        text,
        want,
        "reasons",
        "expect: {reasons: [no]}",
        "reasons (line ",
        "expected: [\"no\"]",
        "got:      []");
    addCase(
        text,
        want,
        "profiles",
        "expect: {profiles: [gpu users]}",
        "profiles (line ",
        "expected: [\"gpu users\"]",
        "got:      [\"base\"]");
    addCase(
        text,
        want,
        "env value",
        "expect: {env: {EDITOR: emacs}}",
        "env.EDITOR (line ",
        "expected: emacs\n",
        "got:      vim, set by profile 'base' (rule 'Apply matching profile')");
    addCase(
        text,
        want,
        "env absent",
        "expect: {env: {EDITOR: ~}}",
        "env.EDITOR (line ",
        "expected: (not set)",
        "got:      vim, set by profile 'base'");
    addCase(
        text,
        want,
        "env missing",
        "expect: {env: {NOPE: x}}",
        "env.NOPE (line ",
        "expected: x\n",
        "got:      (not set)");
    addCase(
        text,
        want,
        "env secret",
        "expect: {env: {TOKEN: {secret: team/other}}}",
        "env.TOKEN (line ",
        "expected: secret team/other",
        "got:      secret team/token, set by profile 'base'");
    addCase(
        text,
        want,
        "env valueFrom",
        "expect: {env: {TOKEN: {valueFrom: {configMapKeyRef: {name: c, key: k}}}}}",
        "env.TOKEN (line ",
        "expected: valueFrom {\"configMapKeyRef\":{\"key\":\"k\",\"name\":\"c\"}}",
        "got:      secret team/token");
    addCase(
        text,
        want,
        "secretRefs",
        "expect: {secretRefs: {}}",
        "secretRefs (line ",
        "expected: {}",
        "got:      {\"TOKEN\":\"team/token\"}");
    addCase(
        text,
        want,
        "resources",
        "expect: {resources: {limits: {cpu: '2'}}}",
        "resources.limits.cpu (line ",
        "expected: 2\n",
        "got:      1, set by profile 'base' (rule 'Apply matching profile')");
    addCase(
        text,
        want,
        "limits none",
        "expect: {limits: {}}",
        "resources.limits (line ",
        "expected: {} (none)",
        "got:      {\"cpu\":\"1\",\"memory\":\"2Gi\"}");
    addCase(
        text,
        want,
        "requests",
        "expect: {requests: {memory: 2Gi}}",
        "resources.requests.memory (line ",
        "expected: 2Gi\n",
        "got:      1Gi, set by profile 'base'");
    addCase(
        text,
        want,
        "resource absent",
        "expect: {requests: {cpu: ~}}",
        "resources.requests.cpu (line ",
        "expected: (not set)",
        "got:      500m");
    addCase(
        text,
        want,
        "tolerations keys",
        "expect: {tolerations: [nvidia.com/gpu]}",
        "tolerations (line ",
        "expected: [\"nvidia.com/gpu\"]",
        "got:      [\"k\"]");
    addCase(
        text,
        want,
        "tolerations objects",
        "expect: {tolerations: [{key: k, operator: Exists}]}",
        "tolerations (line ",
        "expected: [{\"key\":\"k\",\"operator\":\"Exists\"}]",
        "got:      [{\"effect\":\"NoSchedule\",\"key\":\"k\",\"operator\":\"Equal\",\"value\":\"v\"}]");
    addCase(
        text,
        want,
        "affinity",
        "expect: {affinity: ~}",
        "affinity (line ",
        "expected: (not set)",
        "got:      {\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\"");
    addCase(
        text,
        want,
        "volumes",
        "expect: {volumes: [data, scratch]}",
        "volumes (line ",
        "expected: [\"data\",\"scratch\"]",
        "got:      [\"data\"]");
    addCase(text, want, "gpu", "expect: {gpu: 1}", "gpu (line ", "expected: 1\n", "got:      0");
    addCase(
        text,
        want,
        "services",
        "expect: {services: []}",
        "services (line ",
        "expected: []",
        "got:      [\"spark\"]");
    addCase(
        text,
        want,
        "sources profile",
        "expect: {sources: {env.EDITOR: {profile: gpu users}}}",
        "sources.env.EDITOR (line ",
        "expected: {profile: gpu users}",
        "got:      {rule: Apply matching profile, profile: base, salience: 1000000}");
    addCase(
        text,
        want,
        "sources rule",
        "expect: {sources: {env.MEM_LIMIT: {rule: Every notebook knows its user name}}}",
        "sources.env.MEM_LIMIT (line ",
        "expected: {rule: Every notebook knows its user name}",
        "got:      {rule: MEM_LIMIT carries the memory limit in bytes, profile: ~, salience:"
            + " -100000}");
    addCase(
        text,
        want,
        "sources unset",
        "expect: {sources: {env.EDITOR: ~}}",
        "sources.env.EDITOR (line ",
        "expected: ~ (not set by any rule)",
        "got:      {rule: Apply matching profile, profile: base");
    addCase(
        text,
        want,
        "sources misspelt",
        "expect: {sources: {resources.limits.memry: {profile: base}}}",
        "sources.resources.limits.memry (line ",
        "got:      (not set); set under resources: ",
        "resources.limits.memory");
    addCase(
        text,
        want,
        "error",
        "expect: {error: unknown size}",
        "error (line ",
        "expected: refused, with a message containing: unknown size",
        "got:      a decision (allowed: true)");
    Files.writeString(tmp.resolve("tests/fail.yaml"), text.toString());

    PolicyTestResult r = run(tmp.resolve("tests/fail.yaml"));
    Map<String, PolicyTestResult.Case> cases = byName(r);
    assertEquals(want.keySet(), cases.keySet());
    for (Map.Entry<String, String> e : want.entrySet()) {
      PolicyTestResult.Case c = cases.get(e.getKey());
      assertEquals(1, c.mismatches().size(), e.getKey() + ":\n" + c.describe());
      for (String fragment : e.getValue().split("\u0000")) {
        assertTrue(
            c.describe().contains(fragment),
            e.getKey() + ": missing [" + fragment + "] in\n" + c.describe());
      }
    }
    assertEquals(0, r.passed());
  }

  private static void addCase(
      StringBuilder text, Map<String, String> want, String name, String yaml, String... shows) {
    text.append("- name: ")
        .append(name)
        .append("\n  request: {user: ann}\n  ")
        .append(yaml)
        .append('\n');
    want.put(name, String.join("\u0000", shows));
  }

  @Test
  void aRequestRefusedUnexpectedlyFailsTheCaseWithTheReason() throws IOException {
    Path f =
        write(
            "refused.yaml",
            HEAD
                + """
                - name: unknown size
                  request: {user: ann, size: XL}
                  expect: {allowed: true}
                - name: a different refusal
                  request: {user: ann, size: XL}
                  expect: {error: GPU}
                """);
    Map<String, PolicyTestResult.Case> cases = byName(run(f));
    String d = cases.get("unknown size").describe();
    assertTrue(d.startsWith("decision (line 4)"), d);
    assertTrue(d.contains("expected: a decision"), d);
    assertTrue(d.contains("got:      refused: size: unknown size 'XL'; valid sizes: Large"), d);
    String e = cases.get("a different refusal").describe();
    assertTrue(e.contains("got:      size: unknown size 'XL'"), e);
  }

  @Test
  void quantitiesCompareByValue() throws IOException {
    Path f =
        write(
            "quantities.yaml",
            HEAD
                + """
                - name: same amounts, other units
                  request: {user: ann}
                  expect: {limits: {cpu: 1000m, memory: 2048Mi}, requests: {memory: '1073741824'}}
                """);
    PolicyTestResult.Case c = byName(run(f)).get("same amounts, other units");
    assertTrue(c.passed(), c.describe());
  }

  // ---------------------------------------------------------------- configurations

  @Test
  void inlineConfigAndPathsRelativeToTheTestFileCombine() throws IOException {
    Files.createDirectories(tmp.resolve("elsewhere/deep"));
    Path f = tmp.resolve("elsewhere/deep/combined.yaml");
    Files.writeString(
        f,
        """
        profiles: ../../tests/profiles/base.yaml
        rules: ../../policy/deny.drl
        config: |
          profiles:
          - name: later wins
            env: [{name: EDITOR, value: nano}]
        cases:
        - name: the inline profile comes after the files
          request: {user: ivan, groups: [interns], size: Large}
          expect:
            profiles: [base, later wins]
            env: {EDITOR: nano}
            allowed: false
            sources: {env.EDITOR: {profile: later wins}}
        """);
    PolicyTestResult r = run(f);
    assertEquals(List.of(), r.problems());
    assertTrue(r.cases().get(0).passed(), r.cases().get(0).describe());
  }

  @Test
  void aRulesEntryNotBesideTheFileIsOneOfTheBuiltInRules() throws IOException {
    Path f =
        write(
            "examples.yaml",
            """
            rules: [examples]
            config: |
              profiles: [{name: p}]
              sizes: [{name: Large, resources: {limits: {memory: 64Gi}}}]
            cases:
            - name: the built-in examples apply
              request: {user: ann, size: Large}
              expect: {limits: {memory: 16Gi}}
            """);
    PolicyTestResult r = run(f);
    assertEquals(List.of(), r.problems());
    assertTrue(r.cases().get(0).passed(), r.cases().get(0).describe());
  }

  @Test
  void aDirectoryRunsItsTestFilesAndSkipsOtherYaml() throws IOException {
    write("a.yaml", HEAD + "- name: a\n  request: {user: ann}\n");
    Files.createDirectories(tmp.resolve("tests/sub"));
    write(
        "sub/b.yml",
        HEAD.replace("profiles/", "../profiles/").replace("../policy", "../../policy")
            + "- name: b\n  request: {user: ann}\n");
    Files.createDirectories(tmp.resolve("tests/.hidden"));
    write(".hidden/c.yaml", "cases: []\n");
    List<Problem> problems = new java.util.ArrayList<>();
    List<PolicyTestRunner.Candidate> found =
        PolicyTestRunner.discover(List.of(tmp.resolve("tests")), problems);
    assertEquals(List.of(), problems);
    List<PolicyTestResult> results = found.stream().map(RUNNER::run).toList();
    List<String> ran =
        results.stream()
            .filter(PolicyTestResult::loaded)
            .map(x -> tmp.resolve("tests").relativize(x.file()).toString())
            .toList();
    assertEquals(List.of("a.yaml", "sub/b.yml"), ran, problemsOf(results));
    assertTrue(
        results.stream().anyMatch(x -> x.notATest() && x.file().endsWith("profiles/base.yaml")),
        "the profiles file is skipped");
  }

  private static String problemsOf(List<PolicyTestResult> results) {
    return results.stream().map(PolicyTestRunnerTest::problems).collect(Collectors.joining("\n"));
  }

  // ---------------------------------------------------------------- malformed files

  @Test
  void unknownKeysAndWrongTypesAreProblemsWithTheirLines() throws IOException {
    Path f =
        write(
            "bad.yaml",
            HEAD
                + """
                - name: one
                  request: {user: ann, gpu: two, colour: blue}
                  expect:
                    limts: {cpu: '1'}
                    allowed: yes
                    env: {A: {value: 1, secret: s/k}}
                    resources: {limits: {cpu: lots}}
                    sources: {gpu: {rul: x}}
                - name: one
                  request: {user: bob}
                  fired: not a list
                """);
    PolicyTestResult r = run(f);
    assertEquals(List.of(), r.cases());
    String p = problems(r);
    String file = f.toString();
    for (String line :
        List.of(
            file + ":5: cases[0].request.gpu: must be a whole number, at least 0, found 'two'",
            file
                + ":5: cases[0].request.colour: unknown key 'colour' (known keys: gpu, gpuType,"
                + " groups, image, preferences, server, size, user)",
            file + ":7: cases[0].expect.limts: unknown key 'limts' (known keys: affinity,",
            file + ":8: cases[0].expect.allowed: must be true or false, found a string",
            file + ":9: cases[0].expect.env.A: needs exactly one of value, valueFrom, secret",
            file + ":10: cases[0].expect.resources.limits.cpu: 'lots' is not a Kubernetes quantity",
            file
                + ":11: cases[0].expect.sources.gpu.rul: unknown key 'rul' (known keys: profile,"
                + " rule, salience)",
            file + ":14: cases[1].fired: must be a list of strings, found a string")) {
      assertTrue(p.contains(line), "missing:\n" + line + "\nin:\n" + p);
    }
  }

  @Test
  void duplicateCaseNamesAreProblems() throws IOException {
    Path f =
        write(
            "dup.yaml",
            HEAD + "- name: same\n  request: {user: a}\n- name: same\n  request: {user: b}\n");
    assertEquals(
        f + ":6: cases[1].name: another case has the name 'same' (line 4); names are unique",
        problems(run(f)));
  }

  @Test
  void invalidYamlIsAProblemWithItsLine() throws IOException {
    Path f = write("yaml.yaml", "cases:\n- name: a\n  request: {user: [ann}\n");
    String p = problems(run(f));
    assertTrue(p.startsWith(f + ":3: invalid YAML: "), p);
  }

  @Test
  void aMissingProfilesOrRulesPathIsAProblemAtItsEntry() throws IOException {
    Path f =
        write(
            "missing.yaml",
            """
            profiles:
            - profiles/base.yaml
            - profiles/gone.yaml
            rules: [nowhere]
            cases:
            - name: a
              request: {user: ann}
            """);
    String p = problems(run(f));
    Path dir = tmp.resolve("tests");
    assertTrue(
        p.contains(
            f + ":3: profiles[1]: no such file or directory: " + dir.resolve("profiles/gone.yaml")),
        p);
    assertTrue(
        p.contains(
            f
                + ":4: rules[0]: no such file or directory: "
                + dir.resolve("nowhere")
                + " (nor nowhere among the built-in rules)"),
        p);
  }

  @Test
  void aConfigurationWithProblemsReportsThemAtTheirLines() throws IOException {
    Files.writeString(
        tmp.resolve("tests/profiles/broken.yaml"), "profiles:\n- name: x\n  gpu: -1\n");
    Files.writeString(
        tmp.resolve("policy/broken.drl"), "package x;\nrule \"r\"\nwhen\n  Nope()\nthen\nend\n");
    Path f =
        write(
            "config.yaml",
            """
            # the inline YAML's lines are the test file's lines
            profiles: [profiles/broken.yaml]
            rules: [../policy/broken.drl]
            config: |
              profiles:
              - name: inline
                nmae: typo
            cases:
            - name: a
              request: {user: ann}
            """);
    PolicyTestResult r = run(f);
    String p = problems(r);
    assertTrue(p.contains(f + ":7: profiles[0].nmae: unknown key 'nmae'"), p);
    assertTrue(p.contains(tmp.resolve("tests/profiles/broken.yaml") + ":3: profiles[0].gpu"), p);
    assertTrue(p.contains(tmp.resolve("policy/broken.drl") + ":4: DRL: "), p);
  }

  @Test
  void aFileWithoutAConfigurationOrCasesIsAProblem() throws IOException {
    Path none = write("none.yaml", "cases:\n- name: a\n  request: {user: ann}\n");
    assertTrue(
        problems(run(none)).startsWith(none + ":1: config: a test file needs a configuration"),
        problems(run(none)));
    Path empty = write("empty.yaml", HEAD.replace("cases:\n", "cases: []\n"));
    assertEquals(
        empty + ":3: cases: lists no case; a test file has at least one", problems(run(empty)));
    Path notTest = write("profiles.yaml", PROFILES);
    assertTrue(problems(run(notTest)).contains("a policy test file is one mapping with cases:"));
    assertNotNull(RUNNER.load(new PolicyTestRunner.Candidate(notTest, false)));
    assertTrue(RUNNER.load(new PolicyTestRunner.Candidate(notTest, false)).notATest());
  }
}
