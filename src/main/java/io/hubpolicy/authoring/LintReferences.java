package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.hubpolicy.authoring.LintLocations.Location;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.ClusterObjects.Kind;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.TemplateRef;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code missing-reference}: what a profile names in the cluster and the cluster does not hold. A
 * reference marked {@code optional: true} is never reported (Kubernetes starts the pod without it),
 * and a kind the cluster could not be listed for is never reported either. Service templates count
 * as present when they are among the configuration files, as they are for {@code serve}.
 */
final class LintReferences {
  private final ClusterObjects cluster;
  private final ServiceTemplates files;
  private final LintLocations where;
  private final List<LintFinding> out;

  LintReferences(
      ClusterObjects cluster, ServiceTemplates files, LintLocations where, List<LintFinding> out) {
    this.cluster = cluster;
    this.files = files;
    this.where = where;
    this.out = out;
  }

  void check(List<Profile> profiles) {
    for (Profile p : profiles) {
      for (int i = 0; i < p.env().size(); i++) {
        env(p, i);
      }
      for (int i = 0; i < p.volumes().size(); i++) {
        volume(p, i, p.volumes().get(i).volume());
      }
      p.services().forEach((name, spec) -> service(p, name, spec));
    }
  }

  private void env(Profile p, int i) {
    EnvVar e = p.env().get(i);
    if (e.getValueFrom() == null) {
      return;
    }
    SecretKeySelector s = e.getValueFrom().getSecretKeyRef();
    if (s != null && !Boolean.TRUE.equals(s.getOptional())) {
      key(Kind.SECRET, s.getName(), s.getKey(), at(where.env(p, i), ".valueFrom.secretKeyRef"), e);
    }
    ConfigMapKeySelector c = e.getValueFrom().getConfigMapKeyRef();
    if (c != null && !Boolean.TRUE.equals(c.getOptional())) {
      key(
          Kind.CONFIG_MAP,
          c.getName(),
          c.getKey(),
          at(where.env(p, i), ".valueFrom.configMapKeyRef"),
          e);
    }
  }

  private void key(Kind kind, String name, String key, Location at, EnvVar e) {
    String what = "variable " + e.getName() + " reads " + kind.kubeKind() + " '" + name + "'";
    if (name == null || !cluster.knows(kind)) {
      return;
    }
    Optional<Set<String>> keys = cluster.keys(kind, name);
    if (keys.isEmpty()) {
      missing(at, what + ", which does not exist in " + cluster.describe() + NOT_STARTED);
    } else if (key != null && !keys.get().contains(key)) {
      missing(
          at,
          what
              + " key '"
              + key
              + "', which it does not have (keys: "
              + String.join(", ", keys.get())
              + ")"
              + NOT_STARTED);
    }
  }

  private static final String NOT_STARTED =
      "; the pod would not start (mark it optional: true if that is intended)";

  private void volume(Profile p, int i, Volume v) {
    Location at = where.item(p, "volumes", i);
    if (v.getPersistentVolumeClaim() != null) {
      object(
          Kind.PERSISTENT_VOLUME_CLAIM,
          v.getPersistentVolumeClaim().getClaimName(),
          null,
          at(at, ".persistentVolumeClaim"),
          "volume " + v.getName());
    }
    if (v.getSecret() != null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
      object(
          Kind.SECRET,
          v.getSecret().getSecretName(),
          v.getSecret().getItems(),
          at(at, ".secret"),
          "volume " + v.getName());
    }
    if (v.getConfigMap() != null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
      object(
          Kind.CONFIG_MAP,
          v.getConfigMap().getName(),
          v.getConfigMap().getItems(),
          at(at, ".configMap"),
          "volume " + v.getName());
    }
    if (v.getProjected() != null && v.getProjected().getSources() != null) {
      for (VolumeProjection s : v.getProjected().getSources()) {
        if (s.getSecret() != null && !Boolean.TRUE.equals(s.getSecret().getOptional())) {
          object(
              Kind.SECRET,
              s.getSecret().getName(),
              s.getSecret().getItems(),
              at(at, ".projected"),
              "volume " + v.getName());
        }
        if (s.getConfigMap() != null && !Boolean.TRUE.equals(s.getConfigMap().getOptional())) {
          object(
              Kind.CONFIG_MAP,
              s.getConfigMap().getName(),
              s.getConfigMap().getItems(),
              at(at, ".projected"),
              "volume " + v.getName());
        }
      }
    }
  }

  private void object(Kind kind, String name, List<KeyToPath> items, Location at, String who) {
    if (name == null || !cluster.knows(kind)) {
      return;
    }
    String what = who + " uses " + kind.kubeKind() + " '" + name + "'";
    Optional<Set<String>> keys = cluster.keys(kind, name);
    if (keys.isEmpty()) {
      missing(at, what + ", which does not exist in " + cluster.describe() + NOT_STARTED);
      return;
    }
    for (KeyToPath item : items == null ? List.<KeyToPath>of() : items) {
      if (item.getKey() != null && !keys.get().contains(item.getKey())) {
        missing(
            at,
            what
                + " key '"
                + item.getKey()
                + "', which it does not have (keys: "
                + String.join(", ", keys.get())
                + ")"
                + NOT_STARTED);
      }
    }
  }

  private void service(Profile p, String name, ServiceSpec spec) {
    Location at = where.subKey(p, "services", name);
    if (spec.template() != null) {
      String t = spec.template();
      boolean inFiles = files.openShiftTemplate(t).isPresent() || files.configMaps().containsKey(t);
      if (!inFiles
          && cluster.knows(Kind.TEMPLATE)
          && cluster.knows(Kind.CONFIG_MAP)
          && cluster.keys(Kind.TEMPLATE, t).isEmpty()
          && cluster.keys(Kind.CONFIG_MAP, t).isEmpty()) {
        missing(
            at,
            "service "
                + name
                + " uses template '"
                + t
                + "': no OpenShift Template or ConfigMap of that name among the files or in "
                + cluster.describe()
                + "; launching it would fail");
      }
      return;
    }
    for (TemplateRef r : spec.resources()) {
      if (files.configMapKey(r.name(), r.path()).isPresent() || !cluster.knows(Kind.CONFIG_MAP)) {
        continue;
      }
      Optional<Set<String>> keys = cluster.keys(Kind.CONFIG_MAP, r.name());
      boolean inFiles = files.configMaps().containsKey(r.name());
      if (keys.isPresent() && keys.get().contains(r.path())) {
        continue;
      }
      missing(
          at,
          "service "
              + name
              + " uses ConfigMap '"
              + r.name()
              + "' key '"
              + r.path()
              + "': "
              + (keys.isEmpty() && !inFiles
                  ? "no such ConfigMap among the files or in " + cluster.describe()
                  : "the ConfigMap has no such key (keys: "
                      + String.join(
                          ", ",
                          new java.util.TreeSet<>(
                              keys.isPresent()
                                  ? keys.get()
                                  : files.configMaps().get(r.name()).keySet()))
                      + ")")
              + "; launching it would fail");
    }
  }

  private static Location at(Location at, String more) {
    return new Location(at.file(), at.line(), at.field() + more);
  }

  private void missing(Location at, String message) {
    out.add(new LintFinding(LintCode.MISSING_REFERENCE, at.file(), at.line(), at.field(), message));
  }
}
