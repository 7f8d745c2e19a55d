package io.hubpolicy.mutation;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.SafeNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Applies a decision to a pod: the pure "desired state" step. The input pod is never changed; the
 * result carries the new pod and the RFC 6902 patch from the input to it.
 */
public final class PodMutator {
  /** The label the old system put on notebook pods; its value is a valid label for any user. */
  public static final String USER_LABEL = "jupyterhub.opendatahub.io/user";

  public static final String NOTEBOOK_CONTAINER = "notebook";
  public static final String USER_NAME_ENV = "JUPYTERHUB_USER_NAME";

  /** Where relative mount paths go when the container does not set HOME (s2i notebook images). */
  public static final String DEFAULT_HOME = "/opt/app-root/src";

  public record Result(Pod pod, JsonNode patch) {}

  public Result apply(Pod input, Decision d) {
    Pod pod = mutated(input, d);
    // Only add/remove/replace: a "copy" from the hub's username label to ours is correct but
    // reads as if one depended on the other, and every patch consumer supports these three.
    JsonNode patch =
        JsonDiff.asJson(
            KubeJson.SERIALIZATION.convertValue(input, JsonNode.class),
            KubeJson.SERIALIZATION.convertValue(pod, JsonNode.class),
            DiffFlags.dontNormalizeOpIntoMoveAndCopy());
    return new Result(pod, patch);
  }

  /**
   * The same mutation for a pod as someone else serialised it (an admission webhook's {@code
   * request.object}): the patch applies to {@code raw} itself, not to fabric8's rewriting of it,
   * and leaves every field the decision does not set exactly as it was (see {@link RawPatch}).
   *
   * @throws InvalidRequestException (field {@code pod}) if {@code raw} is not a pod fabric8 can
   *     read
   */
  public Result applyToRaw(JsonNode raw, Decision d) {
    Pod input;
    try {
      input = KubeJson.SERIALIZATION.convertValue(raw, Pod.class);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("pod", "not a valid Pod: " + e.getMessage());
    }
    Pod pod = mutated(input, d);
    JsonNode patch =
        RawPatch.between(
            raw,
            KubeJson.SERIALIZATION.convertValue(input, JsonNode.class),
            KubeJson.SERIALIZATION.convertValue(pod, JsonNode.class));
    return new Result(pod, patch);
  }

  private Pod mutated(Pod input, Decision d) {
    Pod pod = KubeJson.SERIALIZATION.clone(input);
    if (d.allowed()) {
      mutate(pod, d);
    }
    return pod;
  }

  private void mutate(Pod pod, Decision d) {
    PodSpec spec = pod.getSpec();
    if (spec == null || spec.getContainers() == null || spec.getContainers().isEmpty()) {
      throw new InvalidRequestException(
          "pod", "the pod has no containers to apply the decision to");
    }
    Container nb = notebookContainer(spec);
    // The notebook runs the image the decision was made for: a hub that decided for the user's
    // choice but kept its configured image would run one image under another's policy.
    if (d.image() != null && !d.image().equals(nb.getImage())) {
      nb.setImage(d.image());
    }

    List<EnvVar> env = new ArrayList<>(orEmpty(nb.getEnv()));
    d.env().forEach(e -> upsert(env, copy(e), EnvVar::getName));
    nb.setEnv(env);

    ResourceRequirements res =
        nb.getResources() == null ? new ResourceRequirements() : nb.getResources();
    res.setRequests(merged(res.getRequests(), d.resources().getRequests()));
    res.setLimits(merged(res.getLimits(), d.resources().getLimits()));
    nb.setResources(res);

    List<Toleration> tolerations = new ArrayList<>(orEmpty(spec.getTolerations()));
    for (Toleration t : d.tolerations()) {
      if (!tolerations.contains(t)) {
        tolerations.add(copy(t));
      }
    }
    spec.setTolerations(tolerations);

    if (d.affinity() != null && d.affinity().getNodeAffinity() != null) {
      Affinity a = spec.getAffinity() == null ? new Affinity() : spec.getAffinity();
      NodeAffinity have = a.getNodeAffinity() == null ? new NodeAffinity() : a.getNodeAffinity();
      NodeAffinity want = copy(d.affinity().getNodeAffinity());
      // Per top-level key: what the decision sets replaces; what it does not set stays.
      if (want.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
        have.setRequiredDuringSchedulingIgnoredDuringExecution(
            want.getRequiredDuringSchedulingIgnoredDuringExecution());
      }
      if (want.getPreferredDuringSchedulingIgnoredDuringExecution() != null
          && !want.getPreferredDuringSchedulingIgnoredDuringExecution().isEmpty()) {
        have.setPreferredDuringSchedulingIgnoredDuringExecution(
            want.getPreferredDuringSchedulingIgnoredDuringExecution());
      }
      a.setNodeAffinity(have);
      spec.setAffinity(a);
    }

    if (!d.volumes().isEmpty()) {
      List<Volume> volumes = new ArrayList<>(orEmpty(spec.getVolumes()));
      List<VolumeMount> mounts = new ArrayList<>(orEmpty(nb.getVolumeMounts()));
      String home = home(nb);
      for (ProfileVolume v : d.volumes()) {
        upsert(volumes, copy(v.volume()), Volume::getName);
        VolumeMount m = new VolumeMount();
        m.setName(v.name());
        m.setMountPath(v.mountPath().startsWith("/") ? v.mountPath() : home + "/" + v.mountPath());
        if (v.readOnly()) {
          m.setReadOnly(true);
        }
        m.setSubPath(v.subPath());
        upsert(mounts, m, VolumeMount::getName);
      }
      spec.setVolumes(volumes);
      nb.setVolumeMounts(mounts);
    }

    PodSettingsApplier.apply(pod, nb, d.pod());

    // Every container (sidecars too) learns the user name as given, not a slug of it.
    for (Container c : spec.getContainers()) {
      List<EnvVar> cenv = new ArrayList<>(orEmpty(c.getEnv()));
      upsert(cenv, new EnvVar(USER_NAME_ENV, d.user(), null), EnvVar::getName);
      c.setEnv(cenv);
    }

    ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(orEmpty(meta.getLabels()));
    labels.put(USER_LABEL, SafeNames.labelValue(d.user()));
    meta.setLabels(labels);
    pod.setMetadata(meta);
  }

  /** The container a decision applies to: the one named {@code notebook}, else the first. */
  public static Container notebookContainer(PodSpec spec) {
    for (Container c : spec.getContainers()) {
      if (NOTEBOOK_CONTAINER.equals(c.getName())) {
        return c;
      }
    }
    return spec.getContainers().get(0);
  }

  private static String home(Container c) {
    for (EnvVar e : orEmpty(c.getEnv())) {
      if ("HOME".equals(e.getName()) && e.getValue() != null && e.getValue().startsWith("/")) {
        return e.getValue().endsWith("/")
            ? e.getValue().substring(0, e.getValue().length() - 1)
            : e.getValue();
      }
    }
    return DEFAULT_HOME;
  }

  private static Map<String, Quantity> merged(
      Map<String, Quantity> have, Map<String, Quantity> want) {
    Map<String, Quantity> out = new LinkedHashMap<>(orEmpty(have));
    orEmpty(want).forEach((k, v) -> out.put(k, new Quantity(v.getAmount(), v.getFormat())));
    return out;
  }

  private static <T> void upsert(List<T> list, T item, Function<T, String> key) {
    String k = key.apply(item);
    for (int i = 0; i < list.size(); i++) {
      if (k.equals(key.apply(list.get(i)))) {
        list.set(i, item);
        return;
      }
    }
    list.add(item);
  }

  private static <T> T copy(T fabric8Object) {
    return KubeJson.SERIALIZATION.clone(fabric8Object);
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
    return m == null ? Map.of() : m;
  }
}
