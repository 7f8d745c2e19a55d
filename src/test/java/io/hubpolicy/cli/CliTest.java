package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.mutation.PodMutator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The command line, run in-process with the project directory (profiles/, rules/) as working dir.
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
class CliTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  static final String DENY_DRL =
      """
      package test.cli;
      import io.hubpolicy.engine.facts.Outcome;
      rule "No Large for fpokorny"
      when
          $o : Outcome()
      then
          $o.deny("Large is reserved");
      end
      """;

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (RuntimeException e) {
        throw new AssertionError("stdout is not one JSON object: " + out + "\nstderr: " + err, e);
      }
    }
  }

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit = Main.run(args);
    } finally {
      System.out.flush();
      System.err.flush();
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    Run r =
        new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    // Echo for whoever reads the surefire report.
    oldErr.println("$ hubpolicy " + String.join(" ", args) + "  -> exit " + exit + "\n" + r.err());
    return r;
  }

  static void assertNoStackTrace(Run r) {
    assertFalse(r.err().contains("\tat "), "stack trace on stderr:\n" + r.err());
    assertFalse(r.err().contains("Exception"), "exception on stderr:\n" + r.err());
    assertFalse(r.out().contains("\tat "), "stack trace on stdout:\n" + r.out());
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  static Map<String, JsonNode> envByName(JsonNode env) {
    Map<String, JsonNode> m = new HashMap<>();
    env.forEach(e -> m.put(e.get("name").asString(), e));
    return m;
  }

  // ---------------------------------------------------------------- decide

  @Test
  void workloadWritesASeededConfigurationThatLoadsAndRequestsThatParse() throws Exception {
    Run r =
        run(
            "workload",
            "--profiles",
            "30",
            "--requests",
            "7",
            "--seed",
            "7",
            "--out",
            tmp.resolve("a").toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("30 profiles") && r.out().contains("7 requests"), r.out());
    Path yaml = tmp.resolve("a/profiles.yaml");
    List<String> lines = Files.readAllLines(tmp.resolve("a/requests.jsonl"));
    assertEquals(7, lines.size());
    for (String line : lines) {
      assertNotNull(io.hubpolicy.api.DecideCall.parse(line).request().user(), line);
    }
    Run valid = run("validate", yaml.toString());
    assertEquals(0, valid.exit(), valid.out() + valid.err());
    Run decided = run("decide", "--profiles", yaml.toString(), "--user", "user-3");
    assertEquals(0, decided.exit(), decided.err());

    run(
        "workload",
        "--profiles",
        "30",
        "--requests",
        "7",
        "--seed",
        "7",
        "--out",
        tmp.resolve("b").toString());
    run(
        "workload",
        "--profiles",
        "30",
        "--requests",
        "7",
        "--seed",
        "8",
        "--out",
        tmp.resolve("c").toString());
    assertEquals(Files.readString(yaml), Files.readString(tmp.resolve("b/profiles.yaml")));
    assertEquals(lines, Files.readAllLines(tmp.resolve("b/requests.jsonl")));
    assertFalse(Files.readString(yaml).equals(Files.readString(tmp.resolve("c/profiles.yaml"))));

    Run bad = run("workload", "--profiles", "0", "--out", tmp.resolve("d").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("--profiles"), bad.err());
  }

  @Test
  void decideWithDefaultProfiles() {
    Run r =
        run(
            "decide",
            "--user",
            "vpavlin",
            "--image",
            "s2i-thoth-notebook:3.6",
            "--size",
            "Large",
            "--explain",
            "full");
    assertEquals(0, r.exit(), r.err());
    JsonNode d = r.json();
    assertTrue(d.get("decisionId").asString().startsWith("d-"));
    assertFalse(d.get("revision").asString().isBlank());
    assertEquals("vpavlin", d.get("user").asString());
    assertEquals("s2i-thoth-notebook:3.6", d.get("image").asString());
    assertEquals("Large", d.get("size").asString());
    assertTrue(d.get("allowed").asBoolean());
    assertEquals(List.of("globals", "Thoth Notebooks"), strings(d.get("profiles")));
    assertEquals("8Gi", d.get("resources").get("limits").get("memory").asString());
    assertEquals("8", d.get("resources").get("limits").get("cpu").asString());
    assertEquals("4Gi", d.get("resources").get("requests").get("memory").asString());
    Map<String, JsonNode> env = envByName(d.get("env"));
    assertEquals("thoth-test-core", env.get("THOTH_DEPLOYMENT_NAME").get("value").asString());
    assertEquals(
        "testing-secret-token",
        env.get("MYAPP_SECRET_TOKEN").get("valueFrom").get("secretKeyRef").get("name").asString());
    assertEquals("vpavlin", env.get("JUPYTERHUB_USER_NAME").get("value").asString());
    assertEquals("8589934592", env.get("MEM_LIMIT").get("value").asString());
    assertEquals("Apply matching profile", d.get("firedRules").get(0).get("rule").asString());
    assertEquals("globals", d.get("firedRules").get(0).get("profile").asString());
    // explanation: the size overrode both profiles' memory limit; acorvin's profile did not apply
    JsonNode mem = d.get("explanation").get("fields").get("resources.limits.memory");
    assertEquals(
        "The chosen size applies after every profile", mem.get("setBy").get("rule").asString());
    assertEquals(2, mem.get("overrode").size());
    Map<String, String> why = new HashMap<>();
    d.get("explanation")
        .get("notApplied")
        .forEach(n -> why.put(n.get("profile").asString(), n.get("reason").asString()));
    assertEquals("user 'vpavlin' not in users [acorvin]", why.get("Special Nodes"));
    assertEquals(
        "image 's2i-thoth-notebook:3.6' matches none of images [s2i-spark-notebook:3.6]",
        why.get("Spark Notebook"));
    assertFalse(d.has("pod"));
  }

  @Test
  void decideWithGroupsAndExplainLevels() {
    Run none = run("decide", "--user", "bob", "--group", "a", "--group", "b", "--explain", "none");
    assertEquals(0, none.exit(), none.err());
    assertEquals(List.of("a", "b"), strings(none.json().get("groups")));
    assertFalse(none.json().has("explanation"));

    Run fields = run("decide", "--user", "bob", "--explain", "fields");
    assertEquals(0, fields.exit(), fields.err());
    assertTrue(fields.json().get("explanation").has("fields"));
    assertFalse(fields.json().get("explanation").has("notApplied"));

    Run bad = run("decide", "--user", "bob", "--explain", "loud");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("explain"), bad.err());
    assertNoStackTrace(bad);
  }

  @Test
  void decideExplainsTheCloseProfilesByDefaultAndPagesTheFullList() {
    // vpavlin with the Spark image: "Thoth Notebooks" names vpavlin but not that image (close);
    // "Special Nodes" names neither (not close).
    Run close = run("decide", "--user", "vpavlin", "--image", "s2i-spark-notebook:3.6");
    assertEquals(0, close.exit(), close.err());
    JsonNode e = close.json().get("explanation");
    assertTrue(e.get("fields").size() > 0, close.out());
    assertEquals(1, e.get("closeCount").asInt(), close.out());
    assertEquals(2, e.get("notAppliedCount").asInt(), close.out());
    assertEquals(1, e.get("notApplied").size(), close.out());
    assertEquals("Thoth Notebooks", e.at("/notApplied/0/profile").asString());
    assertEquals(
        "image 's2i-spark-notebook:3.6' matches none of images [s2i-thoth-notebook:3.6]",
        e.at("/notApplied/0/reason").asString());

    Run page =
        run(
            "decide",
            "--user",
            "vpavlin",
            "--image",
            "s2i-spark-notebook:3.6",
            "--explain",
            "full",
            "--offset",
            "1",
            "--limit",
            "5");
    assertEquals(0, page.exit(), page.err());
    e = page.json().get("explanation");
    assertEquals(2, e.get("notAppliedCount").asInt(), page.out());
    assertEquals(1, e.get("offset").asInt());
    assertEquals(5, e.get("limit").asInt());
    assertEquals(1, e.get("notApplied").size(), page.out());
    assertEquals("Thoth Notebooks", e.at("/notApplied/0/profile").asString());

    Run notFull = run("decide", "--user", "vpavlin", "--limit", "5");
    assertEquals(2, notFull.exit());
    assertTrue(notFull.err().contains("limit"), notFull.err());
    Run tooMany = run("decide", "--user", "vpavlin", "--explain", "full", "--limit", "1001");
    assertEquals(2, tooMany.exit());
    assertTrue(
        tooMany.err().contains("limit must be a whole number from 1 to 1000"), tooMany.err());
    assertNoStackTrace(tooMany);
  }

  @Test
  void decideWithProfilesFile() throws Exception {
    Path profiles = tmp.resolve("p.yaml");
    Files.writeString(
        profiles,
        """
        profiles:
        - name: everyone
          env: [{name: ORIGIN, value: temp-file}]
          resources: {limits: {memory: 3Gi}}
        - name: carol's
          users: [carol]
          gpu: 1
        sizes:
        - name: Tiny
          resources: {limits: {cpu: 100m}}
        """);
    Run r = run("decide", "--user", "dave", "--size", "Tiny", "--profiles", profiles.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode d = r.json();
    assertEquals(List.of("everyone"), strings(d.get("profiles")));
    assertEquals("temp-file", envByName(d.get("env")).get("ORIGIN").get("value").asString());
    assertEquals("3Gi", d.get("resources").get("limits").get("memory").asString());
    assertEquals("100m", d.get("resources").get("limits").get("cpu").asString());
    assertFalse(
        envByName(d.get("env")).containsKey("THIS_IS_GLOBAL"), "the default profiles are not read");
    assertEquals(0, d.get("gpu").asInt());

    // The repo's sizes are not known with this file: Large is unknown here.
    Run large =
        run("decide", "--user", "dave", "--size", "Large", "--profiles", profiles.toString());
    assertEquals(2, large.exit());
    assertTrue(large.err().contains("Tiny"), large.err());
  }

  @Test
  void decideWithPodFile() throws Exception {
    Path pod = tmp.resolve("pod.yaml");
    Files.writeString(
        pod,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: jupyter-vpavlin
        spec:
          containers:
          - name: notebook
            image: s2i-thoth-notebook:3.6
            env:
            - {name: THOTH_CEPH_BUCKET, value: overridden}
            - {name: KEEP, value: me}
          - name: oauth-proxy
            image: proxy
        """);
    Run r =
        run(
            "decide",
            "--user",
            "vpavlin",
            "--image",
            "s2i-thoth-notebook:3.6",
            "--size",
            "Small",
            "--pod",
            pod.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode d = r.json();
    JsonNode out = d.get("pod");
    assertNotNull(out, r.out());
    JsonNode nb = out.get("spec").get("containers").get(0);
    assertEquals("notebook", nb.get("name").asString());
    assertEquals("THOTH_CEPH_BUCKET", nb.get("env").get(0).get("name").asString());
    assertEquals(
        "DH-DEV-DATA",
        nb.get("env").get(0).get("value").asString(),
        "decision wins, position kept");
    assertEquals("KEEP", nb.get("env").get(1).get("name").asString());
    assertEquals("2Gi", nb.get("resources").get("limits").get("memory").asString());
    assertEquals("1Gi", nb.get("resources").get("requests").get("memory").asString());
    JsonNode proxy = out.get("spec").get("containers").get(1);
    assertEquals("JUPYTERHUB_USER_NAME", proxy.get("env").get(0).get("name").asString());
    assertEquals("vpavlin", proxy.get("env").get(0).get("value").asString());
    assertEquals(
        "vpavlin", out.get("metadata").get("labels").get(PodMutator.USER_LABEL).asString());
    JsonNode patch = d.get("patch");
    assertTrue(patch.isArray() && !patch.isEmpty(), r.out());

    // The patch applied to the file's pod gives the output pod.
    JsonNode input =
        io.hubpolicy.format.KubeJson.SERIALIZATION.convertValue(
            io.hubpolicy.api.DecideCall.podFromText(Files.readString(pod), "pod.yaml"),
            JsonNode.class);
    assertEquals(out, io.fabric8.zjsonpatch.JsonPatch.apply(patch, input));
  }

  @Test
  void decideWithBadPodFile() throws Exception {
    Run missing = run("decide", "--user", "u", "--pod", tmp.resolve("nope.yaml").toString());
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("pod"), missing.err());
    assertTrue(missing.err().contains("nope.yaml"), missing.err());
    assertNoStackTrace(missing);

    Path garbage = tmp.resolve("garbage.yaml");
    Files.writeString(garbage, "kind: Pod\nspec: [unclosed\n");
    Run bad = run("decide", "--user", "u", "--pod", garbage.toString());
    assertEquals(2, bad.exit(), bad.err());
    assertTrue(bad.err().contains("pod"), bad.err());
    assertTrue(bad.out().isEmpty(), bad.out());

    Path empty = tmp.resolve("empty-pod.yaml");
    Files.writeString(empty, "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n");
    Run noContainers = run("decide", "--user", "u", "--pod", empty.toString());
    assertEquals(2, noContainers.exit(), noContainers.err());
    assertTrue(noContainers.err().startsWith("hubpolicy: pod: "), noContainers.err());
    assertNoStackTrace(noContainers);
  }

  @Test
  void unknownSizeExits2NamingSizeAndListingSizes() {
    Run r = run("decide", "--user", "vpavlin", "--size", "Huge");
    assertEquals(2, r.exit());
    assertTrue(r.out().isEmpty(), r.out());
    assertTrue(r.err().contains("size"), r.err());
    assertTrue(r.err().contains("Huge"), r.err());
    assertTrue(
        r.err().contains("Small, Medium, Large"),
        "lists the configured sizes in order: " + r.err());
    assertNoStackTrace(r);
  }

  @Test
  void missingUserExits2() {
    Run r = run("decide", "--size", "Small");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--user"), r.err());
    assertTrue(r.out().isEmpty(), r.out());
    assertNoStackTrace(r);

    Run blank = run("decide", "--user", " ");
    assertEquals(2, blank.exit());
    assertTrue(blank.err().contains("user"), blank.err());
    assertNoStackTrace(blank);
  }

  @Test
  void noCommandExits2() {
    Run r = run();
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("decide"), r.err());
  }

  @Test
  void extraRulesThatDeny() throws Exception {
    Path drl = tmp.resolve("deny.drl");
    Files.writeString(drl, DENY_DRL);
    Run r = run("decide", "--user", "fpokorny", "--size", "Large", "--rules", drl.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode d = r.json();
    assertFalse(d.get("allowed").asBoolean());
    assertEquals(List.of("Large is reserved"), strings(d.get("reasons")));
    List<String> fired = new ArrayList<>();
    d.get("firedRules").forEach(f -> fired.add(f.get("rule").asString()));
    assertTrue(fired.contains("No Large for fpokorny"), fired.toString());
    JsonNode allowed = d.get("explanation").get("fields").get("allowed");
    assertEquals("No Large for fpokorny", allowed.get("setBy").get("rule").asString());
  }

  @Test
  void extraRulesDeniedDecisionLeavesPodUnchanged() throws Exception {
    Path drl = tmp.resolve("deny.drl");
    Files.writeString(drl, DENY_DRL);
    Path pod = tmp.resolve("pod.json");
    String podJson =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
            + "\"spec\":{\"containers\":[{\"name\":\"notebook\",\"image\":\"i\"}]}}";
    Files.writeString(pod, podJson);
    Run r = run("decide", "--user", "fpokorny", "--rules", drl.toString(), "--pod", pod.toString());
    assertEquals(0, r.exit(), r.err());
    assertFalse(r.json().get("allowed").asBoolean());
    assertEquals(JSON.readTree(podJson), r.json().get("pod"));
    assertEquals(0, r.json().get("patch").size());
  }

  /**
   * Outcome.invalid(field, message) is documented as the way a rule fails a request-level check
   * (e.g. too many GPUs): that is bad input, so exit 2 naming the field, like an unknown size.
   */
  @Test
  void ruleRejectingTheRequestIsBadInput() throws Exception {
    Path drl = tmp.resolve("invalid.drl");
    Files.writeString(
        drl,
        """
        package test.invalid;
        import io.hubpolicy.engine.facts.Outcome;
        rule "At most one GPU"
        when
            $o : Outcome( gpu > 1 )
        then
            throw Outcome.invalid("gpu", "at most 1 GPU may be requested");
        end
        """);
    Path profiles = tmp.resolve("gpu.yaml");
    Files.writeString(profiles, "profiles:\n- name: greedy\n  gpu: 4\n");
    Run r =
        run("decide", "--user", "u", "--profiles", profiles.toString(), "--rules", drl.toString());
    assertEquals(
        2,
        r.exit(),
        "a request a rule rejects is bad input (2), not an internal failure: " + r.err());
    assertTrue(r.err().startsWith("hubpolicy: gpu: at most 1 GPU may be requested"), r.err());
  }

  // ---------------------------------------------------------------- validate

  static Path compatDir() {
    return io.hubpolicy.profiles.CompatTest.compatDir();
  }

  @Test
  void decideRendersTheCompatSparkServiceFromTheTemplateConfigMapFile() {
    // Both are in the repository (examples/compat): a missing one fails, it is not a skip.
    Path profiles =
        io.hubpolicy.profiles.CompatTest.compat(
            "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-configmap.yaml");
    Path templates =
        io.hubpolicy.profiles.CompatTest.compat(
            "odh-manifests-4b0ea7e-jupyterhub-spark-operator-configmap.yaml");

    Run r =
        run(
            "decide",
            "--user",
            "Alice.Smith",
            "--image",
            "s2i-spark-minimal-notebook:3.6",
            "--namespace",
            "odh",
            "--explain",
            "none",
            "--profiles",
            profiles.toString(),
            "--profiles",
            templates.toString());

    assertEquals(0, r.exit(), r.err());
    JsonNode manifests = r.json().at("/services/spark/manifests");
    assertEquals(2, manifests.size(), r.out());
    assertEquals("Service", manifests.get(0).get("kind").asString());
    assertEquals(
        "jupyterhub-nb-alice-smith---2ece8250", manifests.get(0).at("/metadata/name").asString());
    assertEquals(
        "alice-smith---2ece8250",
        manifests.get(0).at("/spec/selector").get("jupyterhub.opendatahub.io/user").asString());
    assertTrue(manifests.get(0).get("status") == null, "status is the controller's");
    JsonNode spark = manifests.get(1);
    assertEquals("SparkCluster", spark.get("kind").asString());
    assertEquals("spark-cluster-alice-smith---2ece8250", spark.at("/metadata/name").asString());
    assertEquals("odh", spark.at("/metadata/namespace").asString());
    assertEquals(
        "quay.io/radanalyticsio/openshift-spark-py36:2.4.5-2",
        spark.at("/spec/customImage").asString());
    assertEquals("2", spark.at("/spec/worker/instances").asString());
    assertEquals(
        "alice-smith---2ece8250",
        spark.at("/metadata/labels").get("hub.jupyter.org/username").asString());
  }

  @Test
  void validateRendersServiceTemplatesAndWarnsAboutOnesThatFail() throws Exception {
    Path p = tmp.resolve("services.yaml");
    Files.writeString(
        p,
        """
        profiles:
        - name: spark
          services:
            ok: {resources: [{name: tpl, path: good}]}
            bad: {resources: [{name: tpl, path: evil}]}
            elsewhere: {resources: [{name: in-cluster, path: x}]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: tpl}
        data:
          good: |
            apiVersion: v1
            kind: Service
            metadata: {name: "nb-{{ user }}"}
          evil: |
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            data: {v: "#include('/etc/passwd')"}
        """);

    Run r = run("validate", p.toString());

    assertEquals(0, r.exit(), "serve would load it: " + r.err());
    assertTrue(
        r.err().contains("warning: " + p + ":2: profile 'spark' services.bad: service bad: "),
        r.err());
    assertTrue(r.err().contains("ConfigMap tpl, key evil, line 4: #include"), r.err());
    assertFalse(r.err().contains("services.ok"), r.err());
    assertTrue(
        r.out().contains("service elsewhere uses ConfigMap in-cluster key x, which is not among"),
        r.out());
  }

  static final String KTS_FILE =
      """
      profiles:
      - name: home
        services:
          home: {resources: [{name: tpl, path: pvc}]}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: tpl}
      data:
        pvc: |
          apiVersion: v1
          kind: PersistentVolumeClaim
          metadata:
            annotations:
              kubetemplatespawner/lifecycle: user-deleted
            labels:
              app.kubernetes.io/instance: {{ .Values.instance }}
              hub.jupyter.org/servername: "{{ .Values.escaped_servername }}"
              hub.jupyter.org/username: "{{ .Values.%s }}"
            name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}-{{ .Values.userid }}
            namespace: {{ .Values.namespace }}
      """;

  @Test
  void decideRendersAKubeTemplateSpawnerTemplateWithTheUserId() throws Exception {
    Path p = tmp.resolve("kts.yaml");
    Files.writeString(p, KTS_FILE.formatted("escaped_username"));

    Run r =
        run(
            "decide",
            "--user",
            "Bob.Smith",
            "--server",
            "gpu",
            "--user-id",
            "42",
            "--namespace",
            "hub-ns",
            "--explain",
            "none",
            "--profiles",
            p.toString());
    Run noId = run("decide", "--user", "bob", "--explain", "none", "--profiles", p.toString());
    Run badId = run("decide", "--user", "bob", "--user-id", "-1", "--profiles", p.toString());

    assertEquals(0, r.exit(), r.err());
    JsonNode pvc = r.json().at("/services/home/manifests/0");
    assertEquals("jupyter-bob-smith---274c9d19--gpu-42", pvc.at("/metadata/name").asString());
    assertEquals("hub-ns", pvc.at("/metadata/namespace").asString());
    assertEquals(
        "bob-smith---274c9d19", pvc.at("/metadata/labels/hub.jupyter.org~1username").asString());
    assertEquals("gpu", pvc.at("/metadata/labels/hub.jupyter.org~1servername").asString());
    assertEquals("jupyter", pvc.at("/metadata/labels/app.kubernetes.io~1instance").asString());
    assertEquals("user-deleted", pvc.at("/metadata/annotations/hubpolicy~1lifecycle").asString());
    assertEquals(0, noId.exit(), noId.err());
    assertTrue(
        noId.json()
            .at("/services/home/error")
            .asString()
            .contains(
                "line 10: undefined variable" + " $userid (the hub did not send the user's id"),
        noId.out());
    assertEquals(Main.BAD_INPUT, badId.exit(), badId.err());
    assertTrue(badId.err().contains("userId must be a whole number from 0"), badId.err());
  }

  @Test
  void validateNamesTheFileAndLineOfAnUnknownTemplateVariable() throws Exception {
    Path p = tmp.resolve("kts-typo.yaml");
    Files.writeString(p, KTS_FILE.formatted("escaped_usrname"));

    Run r = run("validate", p.toString());

    assertEquals(0, r.exit(), "serve would load it: " + r.err());
    assertTrue(
        r.err()
            .contains(
                "warning: "
                    + p
                    + ":2: profile 'home' services.home: service home: "
                    + p
                    + ": ConfigMap tpl, key pvc, line 9: undefined variable $escaped_usrname;"
                    + " defined variables: "),
        r.err());
    assertTrue(r.err().contains("escaped_username"), "the defined ones are listed: " + r.err());
  }

  @Test
  void validateCompatConfigurations() {
    Path compat = compatDir();
    Run r = run("validate", compat.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("OK: "), r.out());
    java.util.regex.Matcher m = OK_LINE.matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(Integer.parseInt(m.group(1)) > 0, "profiles were read: " + r.out());
    assertTrue(Integer.parseInt(m.group(2)) > 0, "sizes were read: " + r.out());
  }

  private static final Pattern OK_LINE =
      Pattern.compile("OK: (\\d+) profile\\(s\\), (\\d+) size\\(s\\)");

  @Test
  void validateDefaults() {
    Run r = run("validate");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("OK: 4 profile(s), 3 size(s), 1 GPU type(s)"), r.out());
  }

  @Test
  void validateUnknownKeyGivesFileLineAndKey() throws Exception {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(
        f,
        """
        profiles:
        - name: ok
          users: [a]
        - name: typo
          colour: red
        """);
    Run r = run("validate", f.toString());
    assertEquals(2, r.exit(), r.out());
    assertTrue(r.err().contains(f + ":5"), "file:line of the unknown key: " + r.err());
    assertTrue(r.err().contains("profiles[1].colour"), r.err());
    assertTrue(r.err().contains("unknown key 'colour'"), r.err());
    assertTrue(r.err().contains("1 problem"), r.err());
    assertFalse(r.out().contains("OK:"), r.out());
    assertNoStackTrace(r);
  }

  @Test
  void validateDrlSyntaxErrorNamesFileAndLine() throws Exception {
    Path f = tmp.resolve("broken.drl");
    Files.writeString(
        f,
        """
        package test.broken;
        import io.hubpolicy.engine.facts.Outcome;
        rule "broken"
        when
            $o : Outcome(
        then
            $o.deny("no");
        end
        """);
    Run r = run("validate", f.toString());
    assertEquals(2, r.exit(), r.out());
    assertTrue(
        Pattern.compile(Pattern.quote(f.toString()) + ":\\d+: ").matcher(r.err()).find(),
        "names the .drl file with a line: " + r.err());
    assertFalse(r.out().contains("OK:"), r.out());
    assertNoStackTrace(r);
  }

  @Test
  void validateMissingPath() {
    Run r = run("validate", tmp.resolve("missing.yaml").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("missing.yaml: no such file or directory"), r.err());
  }

  // ---------------------------------------------------------------- serve settings

  @Test
  void serveRefusesUnusableSecuritySettingsNamingTheOption() {
    Run halfTls = run("serve", "--port", "0", "--tls-cert", "/etc/hostname");
    assertEquals(2, halfTls.exit());
    assertTrue(
        halfTls.err().contains("--tls-cert/--tls-key: TLS needs both a certificate and its key"),
        halfTls.err());
    assertNoStackTrace(halfTls);

    Run secretWithoutKube = run("serve", "--port", "0", "--token-secret", "hubpolicy-token");
    assertEquals(2, secretWithoutKube.exit());
    assertTrue(secretWithoutKube.err().contains("--token-secret: "), secretWithoutKube.err());
    assertTrue(secretWithoutKube.err().contains("it needs --kube"), secretWithoutKube.err());

    Path emptyTokens = tmp.resolve("empty.token");
    writeUnchecked(emptyTokens, "# no token yet\n");
    Run empty =
        run("serve", "--port", "0", "--audit-log", "none", "--token-file", emptyTokens.toString());
    assertEquals(2, empty.exit());
    assertTrue(
        empty.err().contains("--token-file: token file " + emptyTokens + " holds no token"),
        empty.err());
    assertNoStackTrace(empty);
  }

  static void writeUnchecked(Path p, String text) {
    try {
      java.nio.file.Files.writeString(p, text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aPortInUseIsBadInputNamingTheOptionAndThePort() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      Run http =
          run(
              "serve",
              "--port",
              port,
              "--grpc-port",
              "-1",
              "--audit-log",
              "none",
              "--no-watch",
              "--token-file",
              tmp.resolve("token").toString());
      assertEquals(2, http.exit(), http.err());
      assertTrue(
          http.err().contains("hubpolicy: --port: cannot listen on 127.0.0.1:" + port), http.err());
      assertTrue(http.err().contains("already in use"), http.err());
      Run grpc =
          run(
              "serve",
              "--port",
              "0",
              "--grpc-port",
              port,
              "--audit-log",
              "none",
              "--no-watch",
              "--token-file",
              tmp.resolve("token").toString());
      assertEquals(2, grpc.exit(), grpc.err());
      assertTrue(grpc.err().contains("hubpolicy: --grpc-port: "), grpc.err());
      assertTrue(grpc.err().contains(port), grpc.err());
      assertTrue(grpc.err().contains("already in use"), grpc.err());
    }
  }
}
