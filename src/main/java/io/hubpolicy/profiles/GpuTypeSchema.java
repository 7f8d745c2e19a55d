package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.GpuType;
import java.util.List;
import java.util.Set;

/** A kind of GPU node: the taints a GPU pod tolerates and the nodes it is steered to. */
final class GpuTypeSchema {
  static final Set<String> KEYS = Set.of("type", "node_tolerations", "node_affinity");

  private GpuTypeSchema() {}

  static void read(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap g)) {
      in.problem(node.line(), field, "a GPU type must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(g, field, KEYS);
    String type = in.requiredString(g, "type", field);
    List<Toleration> tolerations =
        in.typedList(g.get("node_tolerations"), field + ".node_tolerations", Toleration.class);
    NodeAffinity affinity =
        in.typed(g.get("node_affinity"), field + ".node_affinity", NodeAffinity.class);
    if (in.cleanSince(mark)) {
      acc.gpuTypes.add(new GpuType(type, tolerations, affinity));
    }
  }
}
