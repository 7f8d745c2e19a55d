package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FiredRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gpuTypes[].node_affinity steers GPU pods to the nodes of those types (rules/gpu.drl). */
class GpuNodeAffinityTest {
  static final String RULE = "GPU pods are steered to the nodes of the configured GPU types";

  static final String CONFIG =
      """
      profiles:
      - name: zone a
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: zone, operator: In, values: [a]}]
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
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            preference:
              matchExpressions: [{key: gpu-memory, operator: In, values: [80g]}]
      - type: t4
        node_affinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: gpu, operator: In, values: [t4]}]
      """;

  @Test
  void aGpuPodMustBeOnANodeOfOneTypeAndStillMeetItsProfiles() {
    Decision d = Engines.decide(Engines.ruleBase(CONFIG), "bob", "nb:1", null, "gpu");
    assertTrue(fired(d).contains(RULE), fired(d).toString());
    List<NodeSelectorTerm> terms =
        d.affinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    // zone a AND (a100 OR t4): one term per GPU type, each with the profile's requirement.
    assertEquals(List.of(List.of("zone=a", "gpu=a100"), List.of("zone=a", "gpu=t4")), keys(terms));
    assertEquals(
        1,
        d.affinity().getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().size());
    var trace =
        d.fields().get("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    assertEquals(RULE, trace.setBy().rule());
    assertEquals("zone a", trace.overrode().get(0).setBy().profile());
  }

  @Test
  void withoutGpusNothingIsSteered() {
    Decision d = Engines.decide(Engines.ruleBase(CONFIG), "alice", "nb:1", null);
    assertTrue(!fired(d).contains(RULE), fired(d).toString());
    assertEquals(
        List.of(List.of("zone=a")),
        keys(
            d.affinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()));
  }

  @Test
  void aTypeWithoutAffinityMeansAnyNodeWillDo() {
    String config =
        CONFIG.replace(
            """
              - type: t4
                node_affinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions: [{key: gpu, operator: In, values: [t4]}]
              """
                .stripIndent(),
            "- type: t4\n");
    Decision d = Engines.decide(Engines.ruleBase(config), "bob", "nb:1", null, "gpu");
    assertEquals(
        List.of(List.of("zone=a")),
        keys(
            d.affinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()),
        "the a100 requirement alone would exclude t4 nodes");
  }

  @Test
  void withoutAnyTypeAffinityTheRuleDoesNotFire() {
    Decision d =
        Engines.decide(
            Engines.ruleBase("profiles: [{name: g, gpu: 1}]\ngpuTypes: [{type: default}]\n"),
            "bob",
            "nb:1",
            null);
    assertTrue(!fired(d).contains(RULE), fired(d).toString());
    assertNull(d.affinity());
  }

  private static List<String> fired(Decision d) {
    return d.firedRules().stream().map(FiredRule::rule).toList();
  }

  private static List<List<String>> keys(List<NodeSelectorTerm> terms) {
    return terms.stream()
        .map(
            t ->
                t.getMatchExpressions().stream()
                    .map((NodeSelectorRequirement r) -> r.getKey() + "=" + r.getValues().get(0))
                    .toList())
        .toList();
  }
}
