package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.hubpolicy.model.ImagePattern;
import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.Profile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which fields of a profile later profiles always overwrite, for every request the profile matches:
 * the basis of {@code shadowed-profile} and {@code overridden-field}. Sound, not complete (see
 * DESIGN.md beside this file): a field is reported covered only when it provably is.
 *
 * <p>A request matches profile A through one of A's user atoms (a user it names, a group it names,
 * or everyone) and one of its image atoms (an entry, or any image when it names none). A's field F
 * is covered when, for every pair of atoms, some later profile B sets F, B's user condition holds
 * for every request of that user atom (B is for everyone, or names that user, or that group), and
 * B's image condition holds for every image of that image atom ({@link LintImages#contains}).
 *
 * <p>The index: for each field and user key ({@code u:name}, {@code g:name} or everyone), the
 * latest profile setting that field for that key, per image key: with no image condition, per exact
 * entry, per tagless entry, and the globs. One query per field, user atom and image atom looks up
 * two such slots (the atom's key and everyone's), so the work grows with what profiles set, not
 * with the square of their number.
 */
final class Shadowing {
  /** What a profile can set that a later one overwrites, as the merge keys it. */
  enum Kind {
    ENV("env"),
    PROTECTED("protected: true of env"),
    RESOURCE("resources"),
    AFFINITY("node_affinity"),
    VOLUME("volume"),
    SERVICE("service"),
    GPU("gpu");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One field a profile sets; {@code index} is its position in the profile's own list. */
  record Field(Kind kind, String name, int index) {
    String key() {
      return kind.ordinal() + "\0" + name;
    }

    String label() {
      return kind == Kind.GPU ? "gpu" : kind.label + " " + name;
    }
  }

  /** A field and the latest profiles that overwrite it (one per atom pair, deduplicated). */
  record Covered(Field field, List<Profile> by) {}

  /** A profile's fields and which of them are covered. */
  record Result(Profile profile, List<Field> fields, List<Covered> covered) {
    boolean shadowed() {
      return !fields.isEmpty() && covered.size() == fields.size();
    }

    /** Every profile that covers some field, in configuration order. */
    List<Profile> coverers() {
      Map<Integer, Profile> by = new java.util.TreeMap<>();
      covered.forEach(c -> c.by().forEach(p -> by.put(p.order(), p)));
      return List.copyOf(by.values());
    }
  }

  static final String EVERYONE = "*";

  private final List<Profile> profiles;

  /** Field keys and user keys as small numbers, so a slot is found by one long. */
  private final Map<String, Integer> fieldIds = new HashMap<>();

  private final Map<String, Integer> userIds = new HashMap<>();
  private final Map<Long, Slot> index = new HashMap<>();
  private final List<List<Field>> fieldsOf = new ArrayList<>();

  private Shadowing(List<Profile> profiles) {
    this.profiles = profiles;
    userIds.put(EVERYONE, 0);
  }

  /**
   * The profiles with at least one covered field.
   *
   * @param referencedEnv variables some value refers to with {@code $(NAME)}: their position in the
   *     pod matters, so an earlier profile that puts one first is never said to do nothing
   * @param skip profiles not to judge (they still cover others)
   */
  static List<Result> analyse(
      List<Profile> profiles, Set<String> referencedEnv, Predicate<Profile> skip) {
    Shadowing s = new Shadowing(profiles);
    for (Profile p : profiles) {
      s.fieldsOf.add(fields(p));
      s.add(p);
    }
    List<Result> out = new ArrayList<>();
    for (Profile p : profiles) {
      if (skip.test(p)) {
        continue;
      }
      Result r = s.judge(p, referencedEnv);
      if (!r.covered().isEmpty()) {
        out.add(r);
      }
    }
    return out;
  }

  /** What the merge does with a profile, field by field (tolerations append: never covered). */
  static List<Field> fields(Profile p) {
    Map<String, Field> out = new LinkedHashMap<>();
    List<EnvVar> env = p.env();
    for (int i = 0; i < env.size(); i++) {
      // The last entry of a name is the one that counts.
      Field f = new Field(Kind.ENV, env.get(i).getName(), i);
      out.remove(f.key());
      out.put(f.key(), f);
    }
    for (String name : p.protectedEnv()) {
      int last = -1;
      for (int i = 0; i < env.size(); i++) {
        last = env.get(i).getName().equals(name) ? i : last;
      }
      Field f = new Field(Kind.PROTECTED, name, last);
      out.put(f.key(), f);
    }
    for (String key : p.resources().keySet()) {
      Field f = new Field(Kind.RESOURCE, key, 0);
      out.put(f.key(), f);
    }
    NodeAffinity a = p.nodeAffinity();
    if (a != null && a.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
      Field f = new Field(Kind.AFFINITY, "requiredDuringSchedulingIgnoredDuringExecution", 0);
      out.put(f.key(), f);
    }
    if (a != null
        && a.getPreferredDuringSchedulingIgnoredDuringExecution() != null
        && !a.getPreferredDuringSchedulingIgnoredDuringExecution().isEmpty()) {
      Field f = new Field(Kind.AFFINITY, "preferredDuringSchedulingIgnoredDuringExecution", 0);
      out.put(f.key(), f);
    }
    for (int i = 0; i < p.volumes().size(); i++) {
      Field f = new Field(Kind.VOLUME, p.volumes().get(i).name(), i);
      out.remove(f.key());
      out.put(f.key(), f);
    }
    for (String name : p.services().keySet()) {
      Field f = new Field(Kind.SERVICE, name, 0);
      out.put(f.key(), f);
    }
    if (p.gpu() != null) {
      Field f = new Field(Kind.GPU, "gpu", 0);
      out.put(f.key(), f);
    }
    return List.copyOf(out.values());
  }

  /** The user keys a request may match the profile through; everyone is {@link #EVERYONE}. */
  static List<String> userKeys(
      Profile p, Predicate<String> validUser, Predicate<String> validGroup) {
    if (p.appliesToEveryone()) {
      return List.of(EVERYONE);
    }
    Set<String> keys = new LinkedHashSet<>();
    p.users().stream().filter(validUser).forEach(u -> keys.add("u\0" + u));
    p.groups().stream().filter(validGroup).forEach(g -> keys.add("g\0" + g));
    return List.copyOf(keys);
  }

  private void add(Profile p) {
    List<Field> fields = fieldsOf.get(p.order());
    if (fields.isEmpty()) {
      return;
    }
    List<String> users = userKeys(p, u -> true, g -> true);
    int[] userKeys = new int[users.size()];
    for (int i = 0; i < userKeys.length; i++) {
      userKeys[i] = userIds.computeIfAbsent(users.get(i), k -> userIds.size());
    }
    for (Field f : fields) {
      long field = (long) fieldIds.computeIfAbsent(f.key(), k -> fieldIds.size()) << 32;
      for (int u : userKeys) {
        index.computeIfAbsent(field | u, k -> new Slot()).add(p);
      }
    }
  }

  private Result judge(Profile a, Set<String> referencedEnv) {
    List<Field> fields = fieldsOf.get(a.order());
    List<String> users = userKeys(a, LintProfiles::validUser, LintProfiles::validGroup);
    List<Covered> covered = new ArrayList<>();
    if (users.isEmpty()) {
      return new Result(a, fields, covered); // no request matches it: nothing to say here
    }
    List<String> images = a.images().isEmpty() ? List.of() : a.images();
    for (Field f : fields) {
      if (f.kind() == Kind.ENV && referencedEnv.contains(f.name())) {
        continue;
      }
      Set<Integer> by = new LinkedHashSet<>();
      long field = (long) fieldIds.get(f.key()) << 32;
      boolean all = true;
      for (int ui = 0; ui < users.size() && all; ui++) {
        Integer u = userIds.get(users.get(ui));
        if (u == null) {
          u = -1; // a key no profile uses: only everyone's slot can hold
        }
        if (images.isEmpty()) {
          all = later(a, field, u, null, by);
        }
        for (int ii = 0; ii < images.size() && all; ii++) {
          all = later(a, field, u, images.get(ii), by);
        }
      }
      if (all) {
        covered.add(new Covered(f, by.stream().sorted().map(profiles::get).toList()));
      }
    }
    return new Result(a, fields, covered);
  }

  /**
   * Whether a profile after {@code a} sets {@code f} for every request of user key {@code u} and
   * image entry {@code image} (null: any image); adds the latest such profile to {@code by}.
   */
  private boolean later(Profile a, long field, int u, String image, Set<Integer> by) {
    int latest = u < 0 ? -1 : latest(field | u, image);
    if (u != 0) {
      latest = Math.max(latest, latest(field, image));
    }
    if (latest > a.order()) {
      by.add(latest);
      return true;
    }
    return false;
  }

  private int latest(long key, String image) {
    Slot s = index.get(key);
    return s == null ? -1 : s.latestContaining(image);
  }

  /** For one field and user key: the latest profile per image key. */
  private static final class Slot {
    int anyImage = -1;
    final Map<String, Integer> exact = new HashMap<>(2);
    final Map<String, Integer> tagless = new HashMap<>(2);
    final Map<String, Integer> globs = new HashMap<>(2);
    final Map<String, ImagePattern> compiled = new HashMap<>(2);

    void add(Profile p) {
      int order = p.order();
      if (p.images().isEmpty()) {
        anyImage = Math.max(anyImage, order);
        return;
      }
      for (String e : p.images()) {
        switch (LintImages.form(e)) {
          case EXACT -> exact.merge(e, order, Math::max);
          case TAGLESS -> tagless.merge(e, order, Math::max);
          case GLOB -> {
            globs.merge(e, order, Math::max);
            compiled.computeIfAbsent(e, ImagePattern::new);
          }
        }
      }
    }

    /** The latest profile here whose image condition holds for every image of {@code image}. */
    int latestContaining(String image) {
      int best = anyImage;
      if (image == null) {
        return best;
      }
      switch (LintImages.form(image)) {
        case EXACT -> {
          best = Math.max(best, exact.getOrDefault(image, -1));
          best = Math.max(best, tagless.getOrDefault(ImageRef.nameWithoutTag(image), -1));
          for (Map.Entry<String, Integer> g : globs.entrySet()) {
            if (g.getValue() > best && compiled.get(g.getKey()).matches(image)) {
              best = g.getValue();
            }
          }
        }
        case TAGLESS -> {
          best = Math.max(best, tagless.getOrDefault(image, -1));
          best = Math.max(best, globsContaining(image, best));
        }
        case GLOB -> best = Math.max(best, globsContaining(image, best));
      }
      return best;
    }

    private int globsContaining(String image, int best) {
      for (Map.Entry<String, Integer> g : globs.entrySet()) {
        if (g.getValue() > best && LintImages.contains(g.getKey(), image)) {
          best = g.getValue();
        }
      }
      return best;
    }
  }
}
