package io.hubpolicy.engine;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.hubpolicy.model.Placeholders;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.PodSettings;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KubeSpawner's {@code {username}} expansion applied to a decision's values: env values, volume
 * claim names and sub-paths, extra labels and annotations. The configuration was checked when it
 * was loaded ({@link Placeholders#problem}), so only a missing user id can fail here. Profiles'
 * objects are shared between decisions, so an expanded value is always a copy; values without a
 * brace (nearly all) are passed through as they are.
 */
final class Expansion {
  private Expansion() {}

  static Placeholders.Values of(SpawnRequest r) {
    return new Placeholders.Values(r.user(), r.server(), r.userId());
  }

  static List<EnvVar> env(List<EnvVar> env, Placeholders.Values v) {
    List<EnvVar> out = null;
    for (int i = 0; i < env.size(); i++) {
      EnvVar e = env.get(i);
      if (e.getValue() != null && Placeholders.has(e.getValue())) {
        if (out == null) {
          out = new ArrayList<>(env);
        }
        out.set(i, new EnvVarBuilder(e).withValue(Placeholders.expand(e.getValue(), v)).build());
      }
    }
    return out == null ? env : List.copyOf(out);
  }

  static List<ProfileVolume> volumes(List<ProfileVolume> volumes, Placeholders.Values v) {
    List<ProfileVolume> out = null;
    for (int i = 0; i < volumes.size(); i++) {
      ProfileVolume pv = volumes.get(i);
      PersistentVolumeClaimVolumeSource claim = pv.volume().getPersistentVolumeClaim();
      boolean claimHas = claim != null && Placeholders.has(claim.getClaimName());
      if (!claimHas && !Placeholders.has(pv.subPath())) {
        continue;
      }
      Volume vol = pv.volume();
      if (claimHas) {
        vol =
            new VolumeBuilder(vol)
                .editPersistentVolumeClaim()
                .withClaimName(Placeholders.expand(claim.getClaimName(), v))
                .endPersistentVolumeClaim()
                .build();
      }
      if (out == null) {
        out = new ArrayList<>(volumes);
      }
      out.set(
          i,
          new ProfileVolume(
              vol, pv.mountPath(), pv.readOnly(), Placeholders.expand(pv.subPath(), v)));
    }
    return out == null ? volumes : List.copyOf(out);
  }

  /** Extra labels' and annotations' values, as KubeSpawner expands them. */
  static PodSettings pod(PodSettings pod, Placeholders.Values v) {
    Map<PodField, Object> changed = null;
    for (PodField f : List.of(PodField.EXTRA_LABELS, PodField.EXTRA_ANNOTATIONS)) {
      Map<String, Object> m = pod.map(f);
      if (m.values().stream().noneMatch(x -> x instanceof String s && Placeholders.has(s))) {
        continue;
      }
      Map<String, Object> expanded = new LinkedHashMap<>();
      m.forEach((k, x) -> expanded.put(k, x instanceof String s ? Placeholders.expand(s, v) : x));
      if (changed == null) {
        changed = new EnumMap<>(pod.values());
      }
      changed.put(f, java.util.Collections.unmodifiableMap(expanded));
    }
    return changed == null ? pod : new PodSettings(changed);
  }
}
