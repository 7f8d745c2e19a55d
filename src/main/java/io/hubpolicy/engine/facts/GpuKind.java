package io.hubpolicy.engine.facts;

import io.hubpolicy.model.GpuType;

/** A configured GPU type (from {@code gpuTypes}): what a GPU pod must tolerate to land on it. */
public final class GpuKind {
  private final GpuType gpuType;

  public GpuKind(GpuType gpuType) {
    this.gpuType = gpuType;
  }

  public String getType() {
    return gpuType.type();
  }

  public GpuType getGpuType() {
    return gpuType;
  }
}
