package io.hubpolicy.format;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The one Jackson (3) setup for Kubernetes objects, shared so that every layer reads and writes
 * fabric8 model classes the same way the client does.
 */
public final class KubeJson {
  public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubeJson() {}
}
