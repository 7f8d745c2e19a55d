package io.hubpolicy.engine.facts;

import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.hubpolicy.model.NodeSelectors;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes of some GPU types: required, a node of at least one type (null: any node will do);
 * preferred, every type's preferences in configuration order.
 */
record GpuNodes(NodeSelector required, List<PreferredSchedulingTerm> preferred) {
  static GpuNodes of(List<GpuKind> kinds) {
    List<NodeSelector> required = new ArrayList<>();
    List<PreferredSchedulingTerm> preferred = new ArrayList<>();
    List<GpuKind> inOrder = new ArrayList<>(kinds);
    inOrder.sort(java.util.Comparator.comparingInt(GpuKind::getOrder));
    for (GpuKind k : inOrder) {
      NodeAffinity a = k.getNodeAffinity();
      required.add(a == null ? null : a.getRequiredDuringSchedulingIgnoredDuringExecution());
      if (a != null && a.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
        preferred.addAll(a.getPreferredDuringSchedulingIgnoredDuringExecution());
      }
    }
    return new GpuNodes(NodeSelectors.either(required), preferred);
  }
}
