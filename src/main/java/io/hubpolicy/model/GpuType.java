package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/**
 * A kind of GPU, of any vendor: the extended resource a pod asks for it by ({@code nvidia.com/gpu},
 * {@code amd.com/gpu}, {@code gpu.intel.com/i915}, {@code habana.ai/gaudi}…), the taints its nodes
 * carry, where its nodes are (a node affinity, or a node selector read into one), who may use it,
 * and whether it is the type a GPU request gets when none is chosen.
 */
public record GpuType(
    String type,
    List<Toleration> tolerations,
    NodeAffinity nodeAffinity,
    String resource,
    boolean isDefault,
    Audience audience) {
  /** What the old system always asked for, and the default. */
  public static final String NVIDIA = "nvidia.com/gpu";

  public GpuType {
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    resource = resource == null ? NVIDIA : resource;
    audience = audience == null ? Audience.EVERYONE : audience;
  }

  public GpuType(String type, List<Toleration> tolerations, NodeAffinity nodeAffinity) {
    this(type, tolerations, nodeAffinity, NVIDIA, false, Audience.EVERYONE);
  }
}
