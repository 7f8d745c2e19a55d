package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GPU types of any vendor (issue 17.3): each names its extended resource, tolerations and nodes;
 * the chosen type, else the default, else the user's types asking by the same resource decide where
 * a GPU pod goes and what it asks for; the built-in rules follow the type.
 */
class GpuVendorsTest {
  static final String CONFIG =
      """
      profiles:
      - name: gpu users
        gpu: 1
      gpuTypes:
      - type: a100
        node_tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
        node_selector: {nvidia.com/gpu.product: A100}
      - type: mi300
        resource: amd.com/gpu
        node_tolerations: [{key: amd.com/gpu, operator: Exists, effect: NoSchedule}]
        node_selector: {amd.com/gpu.family: MI300}
      - type: gaudi
        resource: habana.ai/gaudi
        groups: [habana]
      """;

  static Decision decide(RuleBase rb, String user, String type, String... groups) {
    return DecisionEngine.decide(
        new SpawnRequest(user, List.of(groups), null, null).withGpu(null, type), rb);
  }

  static String limit(Decision d, String resource) {
    var q = d.resources().getLimits().get(resource);
    return q == null ? null : q.toString();
  }

  static List<String> tolerated(Decision d) {
    return d.tolerations().stream().map(Toleration::getKey).toList();
  }

  static List<NodeSelectorRequirement> required(Decision d) {
    return d.affinity()
        .getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms()
        .get(0)
        .getMatchExpressions();
  }

  @Test
  void aChosenTypeOfAnotherVendorAsksByItsResourceAndGoesToItsNodes() {
    Decision d = decide(Engines.ruleBase(CONFIG), "ana", "mi300");
    assertEquals("1", limit(d, "amd.com/gpu"), d.resources().toString());
    assertEquals("1", d.resources().getRequests().get("amd.com/gpu").toString());
    assertNull(limit(d, "nvidia.com/gpu"));
    assertEquals(List.of("amd.com/gpu"), tolerated(d));
    assertEquals("amd.com/gpu.family", required(d).get(0).getKey());
    assertEquals(List.of("MI300"), required(d).get(0).getValues());
    assertTrue(
        d.firedRules().stream()
            .map(FiredRule::rule)
            .toList()
            .contains("A GPU count becomes the GPU type's resource in limits and requests"));
  }

  @Test
  void withoutAChoiceTheTypesOfTheFirstResourceAreTheChoices() {
    Decision d = decide(Engines.ruleBase(CONFIG), "ana", null);
    assertEquals("1", limit(d, "nvidia.com/gpu"));
    assertNull(limit(d, "amd.com/gpu"));
    assertEquals(
        List.of("nvidia.com/gpu"), tolerated(d), "only the types asking by nvidia.com/gpu");
  }

  @Test
  void theDefaultTypeIsTheOneWithoutAChoice() {
    RuleBase rb =
        Engines.ruleBase(
            CONFIG.replace("resource: amd.com/gpu", "resource: amd.com/gpu\n  default: true"));
    Decision d = decide(rb, "ana", null);
    assertEquals("1", limit(d, "amd.com/gpu"));
    assertEquals(List.of("amd.com/gpu"), tolerated(d));
  }

  @Test
  void aTypeForSomeGroupsIsChosenOnlyByThem() {
    RuleBase rb = Engines.ruleBase(CONFIG);
    Decision d = decide(rb, "hal", "gaudi", "habana");
    assertEquals("1", limit(d, "habana.ai/gaudi"));
    InvalidRequestException e =
        assertThrows(InvalidRequestException.class, () -> decide(rb, "ana", "gaudi"));
    assertTrue(e.getMessage().contains("the types are: a100, mi300"), e.getMessage());
  }

  @Test
  void withoutGpuTypesItIsNvidiaAsBefore() {
    Decision d = decide(Engines.ruleBase("profiles:\n- name: g\n  gpu: 2\n"), "ana", null);
    assertEquals("2", limit(d, "nvidia.com/gpu"));
    assertFalse(d.tolerations().stream().anyMatch(t -> t.getKey() != null));
  }

  @Test
  void badTypesAreLoadErrorsWithTheirLines() {
    for (String[] bad :
        new String[][] {
          {"resource: amd.com/gpu", "resource: amd gpu", "not an extended resource name"},
          {"resource: habana.ai/gaudi", "resource: habana.ai/gaudi\n  default: true\n  x: 1", "x"},
          {
            "node_selector: {nvidia.com/gpu.product: A100}",
            "node_selector: {a: b}\n  node_affinity: {}",
            "not both"
          },
        }) {
      InvalidConfigException e =
          assertThrows(
              InvalidConfigException.class,
              () -> Engines.ruleBase(CONFIG.replace(bad[0], bad[1])),
              bad[1]);
      assertTrue(e.getMessage().contains(bad[2]), e.getMessage());
      assertTrue(e.getMessage().contains("test.yaml:"), e.getMessage());
    }
    InvalidConfigException two =
        assertThrows(
            InvalidConfigException.class,
            () ->
                Engines.ruleBase(
                    CONFIG
                        .replace("type: a100", "type: a100\n  default: true")
                        .replace("type: mi300", "type: mi300\n  default: true")));
    assertTrue(two.getMessage().contains("another GPU type is the default"), two.getMessage());
  }
}
