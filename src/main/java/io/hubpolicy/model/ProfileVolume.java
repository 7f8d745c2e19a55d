package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Volume;

/** A pod volume plus where the notebook container mounts it (relative paths: under its home). */
public record ProfileVolume(Volume volume, String mountPath, boolean readOnly, String subPath) {
  public String name() {
    return volume.getName();
  }
}
