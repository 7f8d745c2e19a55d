package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Audience;
import io.hubpolicy.model.PodSettings;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SourceRef;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A size users choose: a name and resources, applied after every profile; {@code users} and {@code
 * groups} limit who may choose it, as they limit whom a profile applies to.
 */
final class SizeSchema {
  static final Set<String> KEYS = keys();

  private static Set<String> keys() {
    Set<String> keys =
        new java.util.LinkedHashSet<>(List.of("name", "users", "groups", "resources"));
    keys.addAll(PodSettingsSchema.KEYS);
    return Set.copyOf(keys);
  }

  /** What the spawn form sends for "no size"; a size of that name could never be chosen. */
  static final String RESERVED_NAME = "Default";

  private SizeSchema() {}

  static void read(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap s)) {
      in.problem(node.line(), field, "a size must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(s, field, KEYS);
    String name = in.requiredString(s, "name", field);
    if (RESERVED_NAME.equals(name)) {
      in.problem(
          s.get("name").line(),
          field + ".name",
          "'Default' is reserved: a request naming it asks for no size, so this size could never"
              + " be chosen; give it another name");
    }
    Map<String, Quantity> resources =
        ResourcesSchema.read(in, s.get("resources"), field + ".resources");
    Audience audience =
        new Audience(in.stringList(s, "users", field), in.stringList(s, "groups", field));
    PodSettings pod = PodSettingsSchema.read(in, s, field);
    if (in.cleanSince(mark)) {
      acc.sizes.add(new Size(name, resources, new SourceRef(in.source(), s.line()), audience, pod));
    }
  }
}
