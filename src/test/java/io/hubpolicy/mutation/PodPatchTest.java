package io.hubpolicy.mutation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.KubeJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The README's example pod: the patch uses only add/remove/replace and reproduces the output. */
class PodPatchTest {
  @Test
  void patchOfTheExamplePodIsPlainAndExact() throws IOException {
    Pod pod =
        DecideCall.podFromText(
            Files.readString(Path.of("src/test/resources/pods/notebook-pod.yaml")),
            "notebook-pod.yaml");
    RuleBase rb =
        Engines.ruleBase(
            "profiles:\n- name: thoth\n  env: [{name: THOTH_CEPH_BUCKET, value: DH-DEV-DATA}]\n");
    PodMutator.Result r = new PodMutator().apply(pod, Engines.decide(rb, "vpavlin", null, null));
    for (JsonNode op : r.patch()) {
      assertTrue(
          Set.of("add", "remove", "replace").contains(op.get("op").asString()), op.toString());
    }
    JsonNode in = KubeJson.SERIALIZATION.convertValue(pod, JsonNode.class);
    assertEquals(
        KubeJson.SERIALIZATION.convertValue(r.pod(), JsonNode.class),
        JsonPatch.apply(r.patch(), in));
    assertEquals(
        "DH-DEV-DATA",
        r.pod().getSpec().getContainers().get(0).getEnv().get(1).getValue(),
        "decision wins, in place");
  }
}
