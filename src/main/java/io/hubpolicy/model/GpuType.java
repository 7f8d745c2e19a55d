package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/** Scheduling needed for a kind of GPU node: the taints to tolerate, optionally an affinity. */
public record GpuType(String type, List<Toleration> tolerations, NodeAffinity nodeAffinity) {
  public GpuType {
    tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
  }
}
