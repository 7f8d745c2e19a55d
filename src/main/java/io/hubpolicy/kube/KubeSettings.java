package io.hubpolicy.kube;

/**
 * Where in the cluster the configuration lives. The defaults are the old system's names, so an
 * existing deployment's ConfigMaps are picked up unchanged.
 *
 * <p>{@code rulesFromConfigMaps}: whether {@code .drl} keys in those ConfigMaps are loaded as
 * policy rules. Off by default because a rule's consequence is Java running inside hubpolicy, with
 * hubpolicy's service account; whoever may edit a profile ConfigMap should not get that by default.
 */
public record KubeSettings(
    String namespace,
    String configMapName,
    String labelSelector,
    String key,
    boolean rulesFromConfigMaps) {
  public static final String DEFAULT_CONFIGMAP = "jupyter-singleuser-profiles";
  public static final String DEFAULT_SELECTOR = "jupyterhub=singleuser-profiles";
  public static final String DEFAULT_KEY = "jupyterhub-singleuser-profiles.yaml";

  public static KubeSettings defaults(String namespace) {
    return new KubeSettings(namespace, DEFAULT_CONFIGMAP, DEFAULT_SELECTOR, DEFAULT_KEY, false);
  }

  public KubeSettings withRulesFromConfigMaps(boolean on) {
    return new KubeSettings(namespace, configMapName, labelSelector, key, on);
  }
}
