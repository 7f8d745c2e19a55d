package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.Volume;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Placeholders;
import io.hubpolicy.model.ProfileVolume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A profile's {@code volumes}: each a Kubernetes Volume plus where the notebook mounts it ({@code
 * mountPath}, relative paths under its home; {@code readOnly}; {@code subPath}).
 */
final class VolumeSchema {
  /** The keys that say how the notebook mounts the volume; everything else is the Volume. */
  static final Set<String> MOUNT_KEYS = Set.of("mountPath", "readOnly", "subPath");

  private VolumeSchema() {}

  static List<ProfileVolume> read(StrictReader in, YNode n, String field) {
    if (StrictReader.isNull(n)) {
      return List.of();
    }
    if (!(n instanceof YList list)) {
      in.problem(n.line(), field, "must be a list of volumes, found " + n.kind());
      return List.of();
    }
    List<ProfileVolume> out = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      String f = field + "[" + i + "]";
      YNode item = list.items().get(i);
      if (!(item instanceof YMap v)) {
        in.problem(item.line(), f, "a volume must be a mapping, found " + item.kind());
        continue;
      }
      Map<String, YNode> volumeOnly = new LinkedHashMap<>(v.entries());
      MOUNT_KEYS.forEach(volumeOnly::remove);
      Volume volume = in.typed(new YMap(v.line(), volumeOnly, v.keyLines()), f, Volume.class);
      String name = in.requiredString(v, "name", f);
      String mountPath = in.requiredString(v, "mountPath", f);
      boolean readOnly = in.bool(v.get("readOnly"), f + ".readOnly", false);
      String subPath = in.optionalString(v, "subPath", f);
      checkPlaceholders(in, v, "subPath", subPath, f);
      if (volume != null && volume.getPersistentVolumeClaim() != null) {
        YNode pvc = v.get("persistentVolumeClaim");
        checkPlaceholders(
            in,
            pvc instanceof YMap pm ? pm : v,
            "claimName",
            volume.getPersistentVolumeClaim().getClaimName(),
            f + ".persistentVolumeClaim");
      }
      if (volume != null && name != null && mountPath != null) {
        out.add(new ProfileVolume(volume, mountPath, readOnly, subPath));
      }
    }
    return out;
  }

  /** Claim names and sub-paths may use {username} and its kin; anything else in braces is wrong. */
  private static void checkPlaceholders(
      StrictReader in, YMap m, String key, String value, String field) {
    String problem = value == null ? null : Placeholders.problem(value);
    if (problem != null) {
      in.problem(m.keyLine(key), field + "." + key, problem);
    }
  }
}
