package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.PodSettings;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.SourceRef;
import io.hubpolicy.services.ServiceSpecReader;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One profile: who and which images it applies to, and what it sets. */
final class ProfileSchema {
  static final Set<String> KEYS = keys();

  private static Set<String> keys() {
    Set<String> keys =
        new LinkedHashSet<>(
            List.of(
                "name",
                "users",
                "groups",
                "images",
                "env",
                "resources",
                "node_tolerations",
                "node_affinity",
                "volumes",
                "gpu",
                "services"));
    keys.addAll(PodSettingsSchema.KEYS);
    return Set.copyOf(keys);
  }

  private ProfileSchema() {}

  /** Adds the profile to {@code acc} when it has no problem; its order is its position. */
  static void read(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap p)) {
      in.problem(node.line(), field, "a profile must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(p, field, KEYS);
    String name = in.requiredString(p, "name", field);
    List<String> users = in.stringList(p, "users", field);
    List<String> groups = in.stringList(p, "groups", field);
    List<String> images = in.stringList(p, "images", field);
    Set<String> protectedEnv = new LinkedHashSet<>();
    List<EnvVar> env = EnvSchema.read(in, p.get("env"), field + ".env", protectedEnv);
    Map<String, Quantity> resources =
        ResourcesSchema.read(in, p.get("resources"), field + ".resources");
    List<Toleration> tolerations =
        in.typedList(p.get("node_tolerations"), field + ".node_tolerations", Toleration.class);
    NodeAffinity affinity =
        in.typed(p.get("node_affinity"), field + ".node_affinity", NodeAffinity.class);
    List<ProfileVolume> volumes = VolumeSchema.read(in, p.get("volumes"), field + ".volumes");
    Integer gpu = gpu(in, p.get("gpu"), field + ".gpu");
    Map<String, ServiceSpec> services =
        ServiceSpecReader.services(in, p.get("services"), field + ".services");
    PodSettings pod = PodSettingsSchema.read(in, p, field);
    if (in.cleanSince(mark)) {
      acc.profiles.add(
          new Profile(
              acc.profiles.size(),
              name,
              new SourceRef(in.source(), p.line()),
              users,
              groups,
              images,
              env,
              resources,
              tolerations,
              affinity,
              volumes,
              gpu,
              services,
              protectedEnv,
              pod));
    }
  }

  static Integer gpu(StrictReader in, YNode n, String field) {
    if (StrictReader.isNull(n)) {
      return null;
    }
    if (n instanceof YScalar s && s.value() instanceof Integer i && i >= 0) {
      return i;
    }
    in.problem(
        n.line(),
        field,
        "must be a whole number of GPUs (0 or more), found "
            + n.kind()
            + (n instanceof YScalar s ? " '" + s.text() + "'" : ""));
    return null;
  }
}
