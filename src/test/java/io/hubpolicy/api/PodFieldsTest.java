package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.zjsonpatch.JsonPatch;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.mutation.PodMutator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * KubeSpawner's pod fields (issue 17.1) and {@code {username}} expansion (17.2) through the whole
 * path: merged under last-match-wins (profiles in order, the size last), traced per field, put on
 * the pod, in its JSON Patch and in the decision's and the audit line's JSON.
 */
class PodFieldsTest {
  static final String CONFIG =
      """
      profiles:
      - name: base
        env:
        - {name: HOMEDIR, value: "/home/{username}/{servername}"}
        - {name: WHO, value: "{unescaped_username} on {unescaped_servername} as {user_server}"}
        - {name: LITERAL, value: "{{username}} stays"}
        - {name: ID, value: "u{userid}"}
        volumes:
        - name: home
          persistentVolumeClaim: {claimName: "claim-{username}{servername}"}
          mountPath: /home/jovyan
          subPath: "{unescaped_username}"
        node_selector: {disktype: ssd, zone: a}
        extra_labels: {team: "t-{username}", tier: base}
        extra_annotations: {owner: "{unescaped_username}"}
        service_account: base-sa
        priority_class_name: normal
        image_pull_secrets: [regcred]
        init_containers:
        - {name: fetch, image: "busybox:1"}
        uid: 1000
        gid: 100
        pod_security_context: {runAsNonRoot: true, fsGroup: 5}
        container_security_context: {allowPrivilegeEscalation: false, runAsUser: 5}
        lifecycle_hooks:
          postStart: {exec: {command: [sh, -c, "echo hi"]}}
      - name: gpu team
        groups: [gpu]
        node_selector: {zone: b}
        extra_labels: {tier: gpu}
        service_account: gpu-sa
        init_containers:
        - {name: fetch, image: "busybox:2"}
        - {name: warm, image: busybox}
        extra_containers:
        - {name: sidecar, image: proxy}
        fs_gid: 100
        supplemental_gids: [10, 20]
        image_pull_secrets: [{name: gpucred}]
      sizes:
      - name: Small
        resources: {limits: {memory: 2Gi}}
        node_selector: {pool: small}
        priority_class_name: low
      """;

  static final RuleBase RB = Engines.ruleBase(CONFIG);

  static Decision decide(String user, String server, Long id, String size, String... groups) {
    return DecisionEngine.decide(
        new SpawnRequest(user, List.of(groups), null, size).withServer(server).withUserId(id), RB);
  }

  static Pod notebookPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("jupyter-ana")
        .addToLabels("hub.jupyter.org/username", "ana")
        .addToAnnotations("hub.jupyter.org/username", "ana")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("notebook")
        .withImage("nb:1")
        .endContainer()
        .addNewImagePullSecret("hubcred")
        .endSpec()
        .build();
  }

  @Test
  void theLastWriterWinsPerKeyByNameAndWhole() {
    Decision d = decide("ana", "", 7L, "Small", "gpu");
    assertEquals(
        Map.of("disktype", "ssd", "zone", "b", "pool", "small"),
        d.pod().map(PodField.NODE_SELECTOR),
        "maps merge per key; the size applies last");
    assertEquals(Map.of("team", "t-ana", "tier", "gpu"), d.pod().map(PodField.EXTRA_LABELS));
    assertEquals("gpu-sa", d.pod().get(PodField.SERVICE_ACCOUNT), "scalars: the last writer");
    assertEquals("low", d.pod().get(PodField.PRIORITY_CLASS_NAME), "the size after profiles");
    List<Object> init = d.pod().named(PodField.INIT_CONTAINERS);
    assertEquals(
        List.of("fetch", "warm"), init.stream().map(c -> ((Container) c).getName()).toList());
    assertEquals("busybox:2", ((Container) init.get(0)).getImage(), "by name: replaced in place");
    assertEquals(
        List.of("regcred", "gpucred"),
        d.pod().named(PodField.IMAGE_PULL_SECRETS).stream()
            .map(r -> ((LocalObjectReference) r).getName())
            .toList());
    assertEquals(1000L, d.pod().get(PodField.UID));
    assertEquals(List.of(10L, 20L), d.pod().get(PodField.SUPPLEMENTAL_GIDS));

    Decision plain = decide("ana", "", 7L, null);
    assertEquals(Map.of("disktype", "ssd", "zone", "a"), plain.pod().map(PodField.NODE_SELECTOR));
    assertEquals("base-sa", plain.pod().get(PodField.SERVICE_ACCOUNT));
    assertNull(plain.pod().get(PodField.EXTRA_CONTAINERS), "not in the gpu group");
  }

  @Test
  void eachFieldNamesWhoSetItAndWhatItOverrode() {
    Map<String, FieldTrace> f = decide("ana", "", 7L, "Small", "gpu").fields();
    assertEquals("gpu team", f.get("node_selector.zone").setBy().name(), f.toString());
    assertEquals("base", f.get("node_selector.zone").overrode().get(0).setBy().name());
    assertEquals("Small", f.get("priority_class_name").setBy().name());
    assertEquals(io.hubpolicy.model.Actor.Kind.SIZE, f.get("priority_class_name").setBy().kind());
    assertEquals("test.yaml:41", f.get("priority_class_name").setBy().source(), "the size's line");
    assertEquals("test.yaml:2", f.get("uid").setBy().source(), "the profile's line");
    assertEquals(io.hubpolicy.model.Actor.Kind.PROFILE, f.get("uid").setBy().kind());
    assertEquals("gpu team", f.get("init_containers.fetch").setBy().name());
    assertEquals("base", f.get("uid").setBy().name());
  }

  @Test
  void placeholdersExpandAsKubeSpawnerEscapes() {
    // KubeSpawner's safe slugs: a name that is already safe stays; others are escaped with a hash.
    Decision d = decide("Ana.Smith@example.com", "My Server", 42L, null);
    String user = io.hubpolicy.model.SafeNames.safeSlug("Ana.Smith@example.com");
    String server = io.hubpolicy.model.SafeNames.safeSlug("My Server");
    Map<String, String> env = env(d);
    assertEquals("/home/" + user + "/" + server, env.get("HOMEDIR"));
    assertEquals(
        "Ana.Smith@example.com on My Server as "
            + io.hubpolicy.model.SafeNames.userServerSlug("Ana.Smith@example.com", "My Server"),
        env.get("WHO"));
    assertEquals("{username} stays", env.get("LITERAL"), "doubled braces are literal");
    assertEquals("u42", env.get("ID"));
    ProfileVolume home = d.volumes().get(0);
    assertEquals("claim-" + user + server, home.volume().getPersistentVolumeClaim().getClaimName());
    assertEquals("Ana.Smith@example.com", home.subPath());
    assertEquals("t-" + user, d.pod().map(PodField.EXTRA_LABELS).get("team"));
    assertEquals("Ana.Smith@example.com", d.pod().map(PodField.EXTRA_ANNOTATIONS).get("owner"));

    // The profile's own objects are shared by every decision: never changed by an expansion.
    Decision other = decide("bo", "", 1L, null);
    assertEquals(
        "claim-bo", other.volumes().get(0).volume().getPersistentVolumeClaim().getClaimName());
    assertEquals("/home/bo/", env(other).get("HOMEDIR"));
  }

  @Test
  void userIdIsNeededOnlyWhereTheConfigurationUsesIt() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.hubpolicy.model.InvalidRequestException.class, () -> decide("ana", "", null, null));
    assertTrue(e.getMessage().contains("userId"), e.getMessage());
    RuleBase noId =
        Engines.ruleBase("profiles:\n- name: p\n  env: [{name: A, value: '{username}'}]\n");
    Decision d = DecisionEngine.decide(new SpawnRequest("ana", List.of(), null, null), noId);
    assertEquals("ana", env(d).get("A"));
  }

  @Test
  void thePodAndItsPatchCarryEveryField() {
    Decision d = decide("ana", "", 7L, "Small", "gpu");
    Pod input = notebookPod();
    JsonNode sent = KubeJson.SERIALIZATION.convertValue(input, JsonNode.class);
    PodMutator.Result r = new PodMutator().apply(input, d);
    Pod pod = r.pod();
    assertEquals("gpu-sa", pod.getSpec().getServiceAccountName());
    assertEquals("low", pod.getSpec().getPriorityClassName());
    assertEquals("b", pod.getSpec().getNodeSelector().get("zone"));
    assertEquals("t-ana", pod.getMetadata().getLabels().get("team"));
    assertEquals("ana", pod.getMetadata().getLabels().get("hub.jupyter.org/username"), "kept");
    assertEquals(
        List.of("hubcred", "regcred", "gpucred"),
        pod.getSpec().getImagePullSecrets().stream().map(LocalObjectReference::getName).toList(),
        "the hub's secret is kept, ours appended");
    assertEquals(
        List.of("notebook", "sidecar"),
        pod.getSpec().getContainers().stream().map(Container::getName).toList());
    Container nb = PodMutator.notebookContainer(pod.getSpec());
    assertEquals(1000L, nb.getSecurityContext().getRunAsUser(), "uid wins over the context's");
    assertEquals(100L, nb.getSecurityContext().getRunAsGroup());
    assertFalse(nb.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(100L, pod.getSpec().getSecurityContext().getFsGroup(), "fs_gid wins");
    assertEquals(List.of(10L, 20L), pod.getSpec().getSecurityContext().getSupplementalGroups());
    assertTrue(pod.getSpec().getSecurityContext().getRunAsNonRoot());
    assertEquals(
        List.of("sh", "-c", "echo hi"), nb.getLifecycle().getPostStart().getExec().getCommand());

    // As the API server does it: the patch applied to what was sent gives the mutated pod.
    JsonNode patched = JsonPatch.apply(r.patch(), sent);
    assertEquals(KubeJson.SERIALIZATION.convertValue(pod, JsonNode.class), patched);
    // Shared objects stay untouched: a second decision's pod starts from the profile again.
    assertEquals(
        "busybox:2", ((Container) d.pod().named(PodField.INIT_CONTAINERS).get(0)).getImage());
  }

  @Test
  void theDecisionAndTheAuditLineShowThem() {
    Decision d = decide("ana", "", 7L, "Small", "gpu");
    ObjectNode json = DecisionJson.toJson(d, null, DecisionJson.Explain.FIELDS);
    JsonNode fields = json.get("podFields");
    assertEquals("gpu-sa", fields.path("service_account").asString(), json.toString());
    assertEquals("b", fields.path("node_selector").path("zone").asString());
    assertEquals("warm", fields.path("init_containers").get(1).path("name").asString());
    assertEquals(1000, fields.path("uid").asInt());
    ObjectNode line = DecisionJson.auditLine(d, "2026-12-03T00:00:00Z");
    assertEquals(
        "gpu-sa", line.path("result").path("podFields").path("service_account").asString());
    assertEquals(7, line.path("input").path("userId").asInt(), "replayable with its user id");
  }

  static Map<String, String> env(Decision d) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (EnvVar e : d.env()) {
      out.put(e.getName(), e.getValue());
    }
    return out;
  }
}
