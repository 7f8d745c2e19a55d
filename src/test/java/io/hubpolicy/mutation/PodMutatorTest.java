package io.hubpolicy.mutation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.zjsonpatch.JsonPatch;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class PodMutatorTest {
  /** Exercises every part of a decision the mutator applies. */
  static final String CONFIG =
      """
      profiles:
      - name: globals
        env:
        - {name: OVERRIDE_ME, value: from-decision}
        - {name: NEW_VAR, value: new}
        resources:
          requests: {memory: 1Gi, cpu: 500m}
          limits: {memory: 2Gi, cpu: "1"}
        node_tolerations:
        - {key: dedicated, operator: Equal, value: notebooks, effect: NoSchedule}
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - {key: zone, operator: In, values: [a, b]}
        volumes:
        - name: data
          persistentVolumeClaim: {claimName: data-pvc}
          mountPath: data
        - name: shared
          configMap: {name: shared-cm}
          mountPath: /mnt/shared
          readOnly: true
        gpu: 2
      - name: alice only
        users: [alice]
        env:
        - {name: ALICE, value: "1"}
      gpuTypes:
      - type: default
        node_tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      - type: a100
        node_tolerations:
        - {key: a100, operator: Equal, value: "true", effect: NoSchedule}
      """;

  /** What KubeSpawner sends: an oauth-proxy sidecar listed BEFORE the notebook container. */
  static final String KUBESPAWNER_POD =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: jupyter-vpavlin
        labels:
          app: jupyterhub
          component: singleuser-server
        annotations:
          hub.jupyter.org/username: vpavlin
      spec:
        containers:
        - name: oauth-proxy
          image: oauth-proxy:latest
          env:
          - {name: FOO, value: bar}
        - name: notebook
          image: s2i-minimal-notebook:3.6
          env:
          - {name: JUPYTERHUB_API_TOKEN, value: xyz}
          - {name: OVERRIDE_ME, value: from-pod}
          - {name: HOME, value: /home/jovyan}
          resources:
            requests: {cpu: 100m, ephemeral-storage: 1Gi}
            limits: {cpu: 200m}
          volumeMounts:
          - {name: existing, mountPath: /etc/existing}
        tolerations:
        - {key: dedicated, operator: Equal, value: notebooks, effect: NoSchedule}
        - {key: other, operator: Exists}
        affinity:
          nodeAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 1
              preference:
                matchExpressions:
                - {key: disk, operator: In, values: [ssd]}
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
              - matchExpressions:
                - {key: old, operator: Exists}
          podAntiAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 5
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels: {component: singleuser-server}
        volumes:
        - name: existing
          emptyDir: {}
      """;

  /** The first container is not called notebook and there is no notebook container. */
  static final String SINGLE_UNNAMED_POD =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: jupyter-other
      spec:
        containers:
        - name: jupyter
          image: s2i-minimal-notebook:3.6
        - name: helper
          image: busybox
      """;

  /** A Kubernetes label value: empty, or at most 63 chars, alphanumeric at both ends. */
  static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  static RuleBase rb;
  final PodMutator mutator = new PodMutator();

  @BeforeAll
  static void buildRuleBase() {
    rb = Engines.ruleBase(CONFIG);
  }

  static Pod pod(String yaml) {
    return KubeJson.SERIALIZATION.unmarshal(yaml, Pod.class);
  }

  static JsonNode json(Object o) {
    return KubeJson.SERIALIZATION.convertValue(o, JsonNode.class);
  }

  static Container container(Pod p, String name) {
    return p.getSpec().getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  static Map<String, String> envMap(Container c) {
    Map<String, String> m = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      m.put(e.getName(), e.getValue());
    }
    return m;
  }

  static List<String> envNames(Container c) {
    return c.getEnv().stream().map(EnvVar::getName).toList();
  }

  static Map<String, String> quantities(Map<String, Quantity> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, v.toString()));
    return out;
  }

  static void assertPatchReproducesOutput(Pod input, PodMutator.Result r) {
    JsonNode patched = JsonPatch.apply(r.patch(), json(input));
    assertEquals(
        json(r.pod()), patched, "applying the patch to the input must give the output pod");
  }

  @Test
  void decisionUnderTestHasEverythingTheMutatorApplies() {
    Decision d = Engines.decide(rb, "vpavlin", "s2i-minimal-notebook:3.6", null);
    assertTrue(d.allowed());
    assertEquals(List.of("globals"), d.profiles());
    assertEquals(2, d.gpu());
    assertEquals(2, d.volumes().size());
    assertEquals(
        3, d.tolerations().size(), "profile toleration + the two GPU types: " + d.tolerations());
  }

  /** The notebook runs the image the decision was made for, whatever the hub's default was. */
  @Test
  void theNotebookRunsTheImageTheDecisionWasMadeFor() {
    Pod input = pod(KUBESPAWNER_POD);
    Decision d = Engines.decide(rb, "vpavlin", "quay.io/org/chosen:2", null);
    PodMutator.Result r = mutator.apply(input, d);
    assertEquals("quay.io/org/chosen:2", container(r.pod(), "notebook").getImage());
    assertEquals("oauth-proxy:latest", container(r.pod(), "oauth-proxy").getImage());
    assertTrue(
        r.patch().toString().contains("\"path\":\"/spec/containers/1/image\""),
        r.patch().toString());
    assertPatchReproducesOutput(input, r);
    // No image in the request: the pod's own stands.
    PodMutator.Result same = mutator.apply(input, Engines.decide(rb, "vpavlin", null, null));
    assertEquals("s2i-minimal-notebook:3.6", container(same.pod(), "notebook").getImage());
  }

  @Test
  void appliesDecisionToKubeSpawnerPod() {
    Pod input = pod(KUBESPAWNER_POD);
    JsonNode before = json(input);
    Decision d = Engines.decide(rb, "vpavlin", "s2i-minimal-notebook:3.6", null);

    PodMutator.Result r = mutator.apply(input, d);
    Pod out = r.pod();

    // The input object is untouched.
    assertEquals(before, json(input), "the input pod must not be modified");

    // ---- env on the notebook container (chosen by name, although it is the second container)
    Container nb = container(out, "notebook");
    assertEquals(
        List.of(
            "JUPYTERHUB_API_TOKEN",
            "OVERRIDE_ME",
            "HOME",
            "NEW_VAR",
            "JUPYTERHUB_USER_NAME",
            "MEM_LIMIT"),
        envNames(nb),
        "existing entries keep their position, new ones are appended in decision order");
    Map<String, String> env = envMap(nb);
    assertEquals("xyz", env.get("JUPYTERHUB_API_TOKEN"));
    assertEquals("from-decision", env.get("OVERRIDE_ME"), "the decision wins over the pod");
    assertEquals("/home/jovyan", env.get("HOME"));
    assertEquals("new", env.get("NEW_VAR"));
    assertEquals("vpavlin", env.get("JUPYTERHUB_USER_NAME"));
    assertEquals(String.valueOf(2L * 1024 * 1024 * 1024), env.get("MEM_LIMIT"));
    assertFalse(env.containsKey("ALICE"), "a profile for another user must not leak in");

    // ---- sidecar: only the user name, nothing else from the decision
    Container sidecar = container(out, "oauth-proxy");
    assertEquals(List.of("FOO", "JUPYTERHUB_USER_NAME"), envNames(sidecar));
    assertEquals("vpavlin", envMap(sidecar).get("JUPYTERHUB_USER_NAME"));
    assertNull(sidecar.getResources(), "the sidecar's resources are not touched");
    assertTrue(sidecar.getVolumeMounts() == null || sidecar.getVolumeMounts().isEmpty());

    // ---- resources per key, GPU in both limits and requests
    assertEquals(
        Map.of("cpu", "500m", "ephemeral-storage", "1Gi", "memory", "1Gi", "nvidia.com/gpu", "2"),
        quantities(nb.getResources().getRequests()));
    assertEquals(
        Map.of("cpu", "1", "memory", "2Gi", "nvidia.com/gpu", "2"),
        quantities(nb.getResources().getLimits()));

    // ---- tolerations: appended, the existing equal one is not duplicated
    List<Toleration> tol = out.getSpec().getTolerations();
    List<String> tolKeys = tol.stream().map(Toleration::getKey).toList();
    assertEquals(List.of("dedicated", "other", "nvidia.com/gpu", "a100"), tolKeys);
    assertEquals("Exists", tol.get(2).getOperator());
    assertEquals("NoSchedule", tol.get(2).getEffect());
    assertEquals("true", tol.get(3).getValue());

    // ---- node affinity per top-level key; other affinities untouched
    JsonNode affinity = json(out.getSpec().getAffinity());
    JsonNode required =
        affinity.get("nodeAffinity").get("requiredDuringSchedulingIgnoredDuringExecution");
    JsonNode expr = required.get("nodeSelectorTerms").get(0).get("matchExpressions");
    assertEquals(1, required.get("nodeSelectorTerms").size());
    assertEquals(1, expr.size());
    assertEquals("zone", expr.get(0).get("key").asString(), "required terms are the decision's");
    assertEquals("In", expr.get(0).get("operator").asString());
    assertEquals("a", expr.get(0).get("values").get(0).asString());
    assertEquals("b", expr.get(0).get("values").get(1).asString());
    JsonNode preferred =
        affinity.get("nodeAffinity").get("preferredDuringSchedulingIgnoredDuringExecution");
    assertEquals(
        1, preferred.size(), "the pod's preferred terms stay: the decision does not set them");
    assertEquals(
        "disk",
        preferred.get(0).get("preference").get("matchExpressions").get(0).get("key").asString());
    assertEquals(
        json(input.getSpec().getAffinity().getPodAntiAffinity()),
        affinity.get("podAntiAffinity"),
        "pod anti-affinity is not the decision's business");

    // ---- volumes and mounts
    List<String> volumeNames = out.getSpec().getVolumes().stream().map(v -> v.getName()).toList();
    assertEquals(List.of("existing", "data", "shared"), volumeNames);
    assertEquals(
        "data-pvc", out.getSpec().getVolumes().get(1).getPersistentVolumeClaim().getClaimName());
    assertEquals("shared-cm", out.getSpec().getVolumes().get(2).getConfigMap().getName());
    List<VolumeMount> mounts = nb.getVolumeMounts();
    assertEquals(
        List.of("existing", "data", "shared"), mounts.stream().map(VolumeMount::getName).toList());
    assertEquals("/etc/existing", mounts.get(0).getMountPath());
    assertEquals(
        "/home/jovyan/data", mounts.get(1).getMountPath(), "relative mountPath goes under HOME");
    assertTrue(mounts.get(1).getReadOnly() == null || !mounts.get(1).getReadOnly());
    assertEquals("/mnt/shared", mounts.get(2).getMountPath(), "absolute mountPath is kept");
    assertEquals(Boolean.TRUE, mounts.get(2).getReadOnly());

    // ---- labels: the user label added, the others kept; annotations kept
    Map<String, String> labels = out.getMetadata().getLabels();
    assertEquals("jupyterhub", labels.get("app"));
    assertEquals("singleuser-server", labels.get("component"));
    assertEquals("vpavlin", labels.get(PodMutator.USER_LABEL));
    assertEquals("vpavlin", out.getMetadata().getAnnotations().get("hub.jupyter.org/username"));

    // ---- unrelated fields unchanged
    assertEquals("s2i-minimal-notebook:3.6", nb.getImage());
    assertEquals("jupyter-vpavlin", out.getMetadata().getName());
    assertEquals(2, out.getSpec().getContainers().size());
    assertEquals(
        "oauth-proxy", out.getSpec().getContainers().get(0).getName(), "container order is kept");

    // ---- the patch turns the input into the output
    assertTrue(r.patch().isArray());
    assertFalse(r.patch().isEmpty());
    assertPatchReproducesOutput(input, r);
    // ...and the input still has not changed (JsonPatch.apply works on a copy)
    assertEquals(before, json(input));
  }

  @Test
  void patchOperationsAreRfc6902() {
    Pod input = pod(KUBESPAWNER_POD);
    PodMutator.Result r = mutator.apply(input, Engines.decide(rb, "vpavlin", null, null));
    for (JsonNode op : r.patch()) {
      String name = op.get("op").asString();
      assertTrue(
          List.of("add", "remove", "replace", "move", "copy", "test").contains(name), "op " + op);
      assertTrue(op.get("path").asString().startsWith("/"), "path is a JSON pointer: " + op);
    }
    // The label key contains '/', which a JSON pointer must escape as ~1.
    boolean labelPatched = false;
    for (JsonNode op : r.patch()) {
      if (op.get("path").asString().equals("/metadata/labels/jupyterhub.opendatahub.io~1user")) {
        labelPatched = true;
        assertEquals("add", op.get("op").asString());
        assertEquals("vpavlin", op.get("value").asString());
      }
    }
    assertTrue(labelPatched, "patch adds the user label with an escaped pointer: " + r.patch());
  }

  @Test
  void patchTouchesOnlyWhatTheDecisionSetsAndKeepsUnknownFields() {
    Pod input =
        pod(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              labels: {a: b}
            spec:
              someFutureField: {enabled: true}
              containers:
              - name: notebook
                image: nb
                futureContainerField: 7
                resources:
                  limits: {cpu: 1}
              restartPolicy: Never
            """);
    PodMutator.Result r = mutator.apply(input, Engines.decide(rb, "vpavlin", null, null));
    JsonNode out = json(r.pod());
    assertEquals("{\"enabled\":true}", out.get("spec").get("someFutureField").toString());
    assertEquals(7, out.get("spec").get("containers").get(0).get("futureContainerField").asInt());
    assertEquals("Never", out.get("spec").get("restartPolicy").asString());
    for (JsonNode op : r.patch()) {
      String path = op.get("path").asString();
      assertTrue(
          path.startsWith("/spec/containers/0/")
              || path.startsWith("/spec/tolerations")
              || path.startsWith("/spec/affinity")
              || path.startsWith("/spec/volumes")
              || path.startsWith("/metadata/labels/"),
          "unexpected patch operation " + op);
      assertFalse(op.get("op").asString().equals("remove"), "nothing is removed: " + op);
    }
    assertPatchReproducesOutput(input, r);
  }

  @Test
  void firstContainerGetsTheDecisionWhenNoneIsNamedNotebook() {
    Pod input = pod(SINGLE_UNNAMED_POD);
    JsonNode before = json(input);
    PodMutator.Result r = mutator.apply(input, Engines.decide(rb, "vpavlin", null, null));

    Container first = container(r.pod(), "jupyter");
    assertEquals(
        List.of("OVERRIDE_ME", "NEW_VAR", "JUPYTERHUB_USER_NAME", "MEM_LIMIT"), envNames(first));
    assertEquals("2", first.getResources().getLimits().get("nvidia.com/gpu").toString());
    assertEquals("2Gi", first.getResources().getLimits().get("memory").toString());
    List<VolumeMount> mounts = first.getVolumeMounts();
    assertEquals(2, mounts.size());
    assertEquals(
        "/opt/app-root/src/data", mounts.get(0).getMountPath(), "no HOME: the s2i default home");
    assertEquals("/mnt/shared", mounts.get(1).getMountPath());

    Container helper = container(r.pod(), "helper");
    assertEquals(
        List.of("JUPYTERHUB_USER_NAME"), envNames(helper), "every container gets the user name");
    assertNull(helper.getResources());
    assertTrue(helper.getVolumeMounts() == null || helper.getVolumeMounts().isEmpty());

    // metadata had no labels at all
    assertEquals(Map.of(PodMutator.USER_LABEL, "vpavlin"), r.pod().getMetadata().getLabels());
    assertEquals(before, json(input));
    assertPatchReproducesOutput(input, r);
  }

  @Test
  void homeFromTheDecisionIsUsedForRelativeMounts() {
    RuleBase withHome =
        Engines.ruleBase(
            """
            profiles:
            - name: home
              env: [{name: HOME, value: /home/user/}]
              volumes:
              - {name: scratch, emptyDir: {}, mountPath: scratch}
            """);
    PodMutator.Result r =
        mutator.apply(pod(SINGLE_UNNAMED_POD), Engines.decide(withHome, "u", null, null));
    assertEquals(
        "/home/user/scratch",
        container(r.pod(), "jupyter").getVolumeMounts().get(0).getMountPath(),
        "HOME set by the decision counts; its trailing slash is not doubled");
  }

  @Test
  void userNameIsPassedAsGivenAndTheLabelIsValid() {
    Pod input = pod(KUBESPAWNER_POD);
    PodMutator.Result r = mutator.apply(input, Engines.decide(rb, "user@email.com", null, null));
    for (Container c : r.pod().getSpec().getContainers()) {
      assertEquals("user@email.com", envMap(c).get("JUPYTERHUB_USER_NAME"), c.getName());
    }
    String label = r.pod().getMetadata().getLabels().get(PodMutator.USER_LABEL);
    assertTrue(
        LABEL_VALUE.matcher(label).matches() && label.length() <= 63,
        "invalid label value '" + label + "'");
    assertFalse(label.isEmpty());
    assertPatchReproducesOutput(input, r);

    PodMutator.Result v = mutator.apply(input, Engines.decide(rb, "Vpavlin", null, null));
    assertEquals(
        "Vpavlin",
        v.pod().getMetadata().getLabels().get(PodMutator.USER_LABEL),
        "a valid name stays as is");
    assertEquals("Vpavlin", envMap(container(v.pod(), "notebook")).get("JUPYTERHUB_USER_NAME"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Vpavlin",
        "user@email.com",
        "first.last+tag@sub.example.org",
        "-leading-dash",
        "trailing.dot.",
        "_",
        "Jörg Müller",
        "日本語",
        "a b c",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      })
  void userLabelIsAValidLabelValueForAnyUserName(String user) {
    assertValidUserLabel(user);
  }

  /**
   * Long names whose 63rd character is a separator: a scheme that trims separators and then cuts to
   * 63 characters leaves a trailing '-' or '.', which Kubernetes rejects (the pod would fail to be
   * created). The first SafeNames placeholder did exactly that.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        // 62 chars, then '@' (becomes '-') at position 63
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
        // 62 chars, then '.' at position 63
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com",
      })
  void userLabelIsValidWhenTruncationEndsOnASeparator(String user) {
    assertValidUserLabel(user);
  }

  private void assertValidUserLabel(String user) {
    PodMutator.Result r =
        mutator.apply(pod(SINGLE_UNNAMED_POD), Engines.decide(rb, user, null, null));
    String label = r.pod().getMetadata().getLabels().get(PodMutator.USER_LABEL);
    assertTrue(label.length() <= 63, "label value longer than 63: '" + label + "'");
    assertTrue(
        LABEL_VALUE.matcher(label).matches(),
        "'" + label + "' (for user '" + user + "') is not a valid Kubernetes label value");
    assertEquals(user, envMap(container(r.pod(), "jupyter")).get("JUPYTERHUB_USER_NAME"));
  }

  @Test
  void deniedDecisionLeavesPodUnchanged() {
    RuleBase denying =
        Engines.ruleBase(
            CONFIG,
            """
            package test.deny;
            import io.hubpolicy.engine.facts.Outcome;
            rule "Deny everyone"
            when
                $o : Outcome()
            then
                $o.deny("no");
            end
            """);
    Decision d = Engines.decide(denying, "vpavlin", null, null);
    assertFalse(d.allowed());
    assertEquals(List.of("no"), d.reasons());

    Pod input = pod(KUBESPAWNER_POD);
    JsonNode before = json(input);
    PodMutator.Result r = mutator.apply(input, d);
    assertEquals(before, json(r.pod()), "a denied decision must not change the pod");
    assertTrue(r.patch().isArray());
    assertEquals(0, r.patch().size(), "empty patch for a denied decision: " + r.patch());
    assertEquals(before, json(input));
    assertNull(r.pod().getMetadata().getLabels().get(PodMutator.USER_LABEL));
  }

  @Test
  void podWithoutContainersIsAnInvalidRequest() {
    Decision d = Engines.decide(rb, "vpavlin", null, null);
    Pod noContainers =
        pod("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n");
    InvalidRequestException e =
        assertThrows(InvalidRequestException.class, () -> mutator.apply(noContainers, d));
    assertEquals("pod", e.field());
    assertTrue(e.getMessage().contains("container"), e.getMessage());

    Pod noSpec = pod("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    InvalidRequestException e2 =
        assertThrows(InvalidRequestException.class, () -> mutator.apply(noSpec, d));
    assertEquals("pod", e2.field());
  }

  @Test
  void mutatorDoesNotShareObjectsWithTheDecision() {
    Decision d = Engines.decide(rb, "vpavlin", null, null);
    JsonNode decisionEnvBefore = json(d.env());
    JsonNode tolerationsBefore = json(d.tolerations());
    PodMutator.Result r = mutator.apply(pod(KUBESPAWNER_POD), d);
    // Change the output; the decision (which may be cached or audited) must not change with it.
    Container nb = container(r.pod(), "notebook");
    nb.getEnv().forEach(e -> e.setValue("changed"));
    r.pod().getSpec().getTolerations().forEach(t -> t.setValue("changed"));
    assertEquals(decisionEnvBefore, json(d.env()));
    assertEquals(tolerationsBefore, json(d.tolerations()));
    assertNotEquals(json(d.env()), json(nb.getEnv()));
  }

  @Test
  void applyingTwiceIsIdempotent() {
    Decision d = Engines.decide(rb, "vpavlin", null, null);
    PodMutator.Result once = mutator.apply(pod(KUBESPAWNER_POD), d);
    PodMutator.Result twice = mutator.apply(once.pod(), d);
    assertEquals(json(once.pod()), json(twice.pod()));
    assertEquals(0, twice.patch().size(), "nothing left to change: " + twice.patch());
    List<String> keys = new ArrayList<>();
    twice.pod().getSpec().getTolerations().forEach(t -> keys.add(t.getKey()));
    assertEquals(List.of("dedicated", "other", "nvidia.com/gpu", "a100"), keys);
  }
}
