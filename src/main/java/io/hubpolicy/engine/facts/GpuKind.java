package io.hubpolicy.engine.facts;

import io.hubpolicy.model.GpuType;

/** A configured GPU type (from {@code gpuTypes}): what a GPU pod must tolerate to land on it. */
public final class GpuKind {
  private final GpuType gpuType;
  private final int order;

  /**
   * @param order the type's position among {@code gpuTypes}, so that what rules collect can be put
   *     back in configuration order
   */
  public GpuKind(GpuType gpuType, int order) {
    this.gpuType = gpuType;
    this.order = order;
  }

  public int getOrder() {
    return order;
  }

  public String getType() {
    return gpuType.type();
  }

  public GpuType getGpuType() {
    return gpuType;
  }

  /** The extended resource a pod asks for this kind by, e.g. {@code amd.com/gpu}. */
  public String getResource() {
    return gpuType.resource();
  }

  /**
   * The resource a GPU count becomes for these kinds (the decision's, which all share one), or
   * {@code nvidia.com/gpu} when no GPU type is configured.
   */
  public static String resourceOf(java.util.List<?> kinds) {
    String r = GpuType.NVIDIA;
    int first = Integer.MAX_VALUE;
    for (Object o : kinds) {
      if (o instanceof GpuKind k && k.order < first) {
        first = k.order;
        r = k.getResource();
      }
    }
    return r;
  }

  /** Where nodes of this type are, or null when the type does not say. */
  public io.fabric8.kubernetes.api.model.NodeAffinity getNodeAffinity() {
    return gpuType.nodeAffinity();
  }
}
