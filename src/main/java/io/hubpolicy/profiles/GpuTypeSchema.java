package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeAffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Audience;
import io.hubpolicy.model.GpuType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A kind of GPU: its extended resource ({@code resource}, default {@code nvidia.com/gpu}), the
 * taints a GPU pod tolerates, the nodes it is steered to ({@code node_affinity}, or {@code
 * node_selector} as KubeSpawner writes one), who may choose it ({@code users}, {@code groups}), and
 * {@code default: true} for the type a GPU request gets when the user chose none.
 */
final class GpuTypeSchema {
  static final Set<String> KEYS =
      Set.of(
          "type",
          "resource",
          "node_tolerations",
          "node_affinity",
          "node_selector",
          "default",
          "users",
          "groups");

  /** An extended resource's name: a domain, a slash, a name (Kubernetes' qualified name). */
  private static final Pattern RESOURCE =
      Pattern.compile(
          "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+"
              + "/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  private GpuTypeSchema() {}

  static void read(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap g)) {
      in.problem(node.line(), field, "a GPU type must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(g, field, KEYS);
    String type = in.requiredString(g, "type", field);
    String resource = in.optionalString(g, "resource", field);
    if (resource != null && !RESOURCE.matcher(resource).matches()) {
      in.problem(
          g.keyLine("resource"),
          field + ".resource",
          "'"
              + resource
              + "' is not an extended resource name such as nvidia.com/gpu, amd.com/gpu or"
              + " gpu.intel.com/i915");
    }
    List<Toleration> tolerations =
        in.typedList(g.get("node_tolerations"), field + ".node_tolerations", Toleration.class);
    NodeAffinity affinity =
        in.typed(g.get("node_affinity"), field + ".node_affinity", NodeAffinity.class);
    YNode selectorNode = g.get("node_selector");
    if (!StrictReader.isNull(selectorNode)) {
      Map<String, String> selector = in.stringMap(selectorNode, field + ".node_selector");
      if (affinity != null) {
        in.problem(
            selectorNode.line(),
            field + ".node_selector",
            "give node_affinity or node_selector, not both (a selector is a required affinity)");
      } else if (!selector.isEmpty()) {
        affinity = affinityOf(selector);
      }
    }
    boolean isDefault = in.bool(g.get("default"), field + ".default", false);
    if (isDefault && acc.gpuTypes.stream().anyMatch(GpuType::isDefault)) {
      in.problem(g.keyLine("default"), field + ".default", "another GPU type is the default");
    }
    Audience audience =
        new Audience(in.stringList(g, "users", field), in.stringList(g, "groups", field));
    if (in.cleanSince(mark)) {
      acc.gpuTypes.add(new GpuType(type, tolerations, affinity, resource, isDefault, audience));
    }
  }

  private static NodeAffinity affinityOf(Map<String, String> selector) {
    List<NodeSelectorRequirement> all = new ArrayList<>();
    selector.forEach((k, v) -> all.add(new NodeSelectorRequirement(k, "In", List.of(v))));
    return new NodeAffinityBuilder()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .withMatchExpressions(all)
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .build();
  }
}
