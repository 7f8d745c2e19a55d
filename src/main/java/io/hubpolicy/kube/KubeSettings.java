package io.hubpolicy.kube;

/**
 * Where in the cluster the configuration lives. The defaults are the old system's names, so an
 * existing deployment's ConfigMaps are picked up unchanged.
 */
public record KubeSettings(
    String namespace, String configMapName, String labelSelector, String key) {
  public static final String DEFAULT_CONFIGMAP = "jupyter-singleuser-profiles";
  public static final String DEFAULT_SELECTOR = "jupyterhub=singleuser-profiles";
  public static final String DEFAULT_KEY = "jupyterhub-singleuser-profiles.yaml";

  public static KubeSettings defaults(String namespace) {
    return new KubeSettings(namespace, DEFAULT_CONFIGMAP, DEFAULT_SELECTOR, DEFAULT_KEY);
  }
}
