package io.hubpolicy.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.PodSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Puts a decision's {@link PodField}s on a pod where KubeSpawner puts them: maps merge per key into
 * what the pod has, named lists replace entries of the same name and append the rest, the notebook
 * container's security context and lifecycle get {@code uid}, {@code gid}, {@code
 * container_security_context} and {@code lifecycle_hooks}, the pod's get {@code fs_gid}, {@code
 * supplemental_gids} and {@code pod_security_context}. As in KubeSpawner, {@code uid}/{@code gid}
 * are applied after {@code container_security_context} and {@code fs_gid}/{@code supplemental_gids}
 * after {@code pod_security_context}, so the named fields win.
 */
final class PodSettingsApplier {
  private PodSettingsApplier() {}

  static void apply(Pod pod, Container notebook, PodSettings s) {
    if (s.isEmpty()) {
      return;
    }
    PodSpec spec = pod.getSpec();
    ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
    pod.setMetadata(meta);

    if (s.get(PodField.NODE_SELECTOR) != null) {
      spec.setNodeSelector(merged(spec.getNodeSelector(), s.map(PodField.NODE_SELECTOR)));
    }
    if (s.get(PodField.EXTRA_LABELS) != null) {
      meta.setLabels(merged(meta.getLabels(), s.map(PodField.EXTRA_LABELS)));
    }
    if (s.get(PodField.EXTRA_ANNOTATIONS) != null) {
      meta.setAnnotations(merged(meta.getAnnotations(), s.map(PodField.EXTRA_ANNOTATIONS)));
    }
    if (s.get(PodField.SERVICE_ACCOUNT) != null) {
      spec.setServiceAccountName((String) s.get(PodField.SERVICE_ACCOUNT));
    }
    if (s.get(PodField.PRIORITY_CLASS_NAME) != null) {
      spec.setPriorityClassName((String) s.get(PodField.PRIORITY_CLASS_NAME));
    }
    if (s.get(PodField.IMAGE_PULL_SECRETS) != null) {
      spec.setImagePullSecrets(
          byName(
              spec.getImagePullSecrets(),
              s.named(PodField.IMAGE_PULL_SECRETS),
              LocalObjectReference::getName));
    }
    if (s.get(PodField.INIT_CONTAINERS) != null) {
      spec.setInitContainers(
          byName(spec.getInitContainers(), s.named(PodField.INIT_CONTAINERS), Container::getName));
    }
    if (s.get(PodField.EXTRA_CONTAINERS) != null) {
      spec.setContainers(
          byName(spec.getContainers(), s.named(PodField.EXTRA_CONTAINERS), Container::getName));
    }

    if (s.get(PodField.CONTAINER_SECURITY_CONTEXT) != null) {
      notebook.setSecurityContext(
          copy((SecurityContext) s.get(PodField.CONTAINER_SECURITY_CONTEXT)));
    }
    if (s.get(PodField.UID) != null || s.get(PodField.GID) != null) {
      SecurityContext sc =
          notebook.getSecurityContext() == null
              ? new SecurityContext()
              : notebook.getSecurityContext();
      if (s.get(PodField.UID) != null) {
        sc.setRunAsUser((Long) s.get(PodField.UID));
      }
      if (s.get(PodField.GID) != null) {
        sc.setRunAsGroup((Long) s.get(PodField.GID));
      }
      notebook.setSecurityContext(sc);
    }
    if (s.get(PodField.POD_SECURITY_CONTEXT) != null) {
      spec.setSecurityContext(copy((PodSecurityContext) s.get(PodField.POD_SECURITY_CONTEXT)));
    }
    if (s.get(PodField.FS_GID) != null || s.get(PodField.SUPPLEMENTAL_GIDS) != null) {
      PodSecurityContext psc =
          spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
      if (s.get(PodField.FS_GID) != null) {
        psc.setFsGroup((Long) s.get(PodField.FS_GID));
      }
      if (s.get(PodField.SUPPLEMENTAL_GIDS) != null) {
        @SuppressWarnings("unchecked")
        List<Long> gids = (List<Long>) s.get(PodField.SUPPLEMENTAL_GIDS);
        psc.setSupplementalGroups(new ArrayList<>(gids));
      }
      spec.setSecurityContext(psc);
    }
    if (s.get(PodField.LIFECYCLE_HOOKS) != null) {
      Lifecycle lc = notebook.getLifecycle() == null ? new Lifecycle() : notebook.getLifecycle();
      s.map(PodField.LIFECYCLE_HOOKS)
          .forEach(
              (hook, handler) -> {
                LifecycleHandler h = copy((LifecycleHandler) handler);
                if (hook.equals("postStart")) {
                  lc.setPostStart(h);
                } else {
                  lc.setPreStop(h);
                }
              });
      notebook.setLifecycle(lc);
    }
  }

  private static Map<String, String> merged(Map<String, String> have, Map<String, Object> want) {
    Map<String, String> out = new LinkedHashMap<>(have == null ? Map.of() : have);
    want.forEach((k, v) -> out.put(k, (String) v));
    return out;
  }

  /** Entries of {@code have} keep their place (replaced when named again); new ones go last. */
  private static <T> List<T> byName(List<T> have, List<Object> want, Function<T, String> name) {
    List<T> out = new ArrayList<>(have == null ? List.of() : have);
    for (Object o : want) {
      @SuppressWarnings("unchecked")
      T item = copy((T) o);
      String n = name.apply(item);
      int at = -1;
      for (int i = 0; i < out.size(); i++) {
        if (n.equals(name.apply(out.get(i)))) {
          at = i;
          break;
        }
      }
      if (at >= 0) {
        out.set(at, item);
      } else {
        out.add(item);
      }
    }
    return out;
  }

  private static <T> T copy(T fabric8Object) {
    return KubeJson.SERIALIZATION.clone(fabric8Object);
  }
}
