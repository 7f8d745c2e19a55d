package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.model.Quantities;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What one node can give a pod: allocatable CPU in cores and memory in bytes (null when the node
 * does not report it or reports something unparseable), and whether new pods may land on it at all.
 * Amounts are BigDecimal rather than Quantity so a snapshot is truly immutable.
 */
public record NodeCapacity(
    String name, BigDecimal cpuCores, BigDecimal memoryBytes, boolean schedulable) {

  /** For tests and callers that have quantities as text; an unparseable text becomes null. */
  public static NodeCapacity of(String name, String cpu, String memory, boolean schedulable) {
    return new NodeCapacity(
        name,
        amount(cpu == null ? null : new Quantity(cpu)),
        amount(memory == null ? null : new Quantity(memory)),
        schedulable);
  }

  /**
   * Reads a Node as the scheduler sees it. Allocatable, not capacity, because capacity includes
   * what the kubelet reserves for the system; capacity is only a fallback for nodes that report no
   * allocatable. A node counts only when it is not cordoned and its Ready condition is True: an
   * absent Ready condition means the kubelet never reported, which the scheduler also avoids.
   */
  public static NodeCapacity of(Node node) {
    String name = node.getMetadata() == null ? null : node.getMetadata().getName();
    boolean cordoned =
        node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    Map<String, Quantity> resources = Map.of();
    boolean ready = false;
    if (node.getStatus() != null) {
      resources = node.getStatus().getAllocatable();
      if (resources == null || resources.isEmpty()) {
        resources = node.getStatus().getCapacity();
      }
      List<NodeCondition> conditions = node.getStatus().getConditions();
      ready =
          conditions != null
              && conditions.stream()
                  .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
    if (resources == null) {
      resources = Map.of();
    }
    return new NodeCapacity(
        name, amount(resources.get("cpu")), amount(resources.get("memory")), ready && !cordoned);
  }

  private static BigDecimal amount(Quantity q) {
    return Quantities.tryAmount(q).filter(a -> a.signum() >= 0).orElse(null);
  }
}
