package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.hubpolicy.model.ImagePattern;
import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.PodField;
import io.hubpolicy.model.PodSettings;
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
    GPU("gpu"),
    /** A KubeSpawner pod setting: per key of a map, per name of a list, else whole. */
    POD("pod setting"),
    /**
     * What a later profile adds to rather than replaces (tolerations), or whose order the first
     * writer fixes (init containers run in order): never covered, so a profile setting one is never
     * said to do nothing.
     */
    KEPT("");

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
      return kind == Kind.GPU || kind == Kind.KEPT ? name : kind.label + " " + name;
    }

    boolean coverable() {
      return kind != Kind.KEPT;
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
      List<Field> fields = fields(p);
      s.fieldsOf.add(fields);
      for (Field f : fields) {
        if (f.coverable()) {
          s.fieldIds.computeIfAbsent(f.key(), k -> s.fieldIds.size());
        }
      }
    }
    profiles.forEach(s::add);
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
    if (!p.tolerations().isEmpty()) {
      Field f = new Field(Kind.KEPT, "tolerations", 0);
      out.put(f.key(), f);
    }
    p.pod().values().forEach((pf, v) -> pod(pf, v, out));
    return List.copyOf(out.values());
  }

  /** A pod setting as the merge keys it ({@link PodField.Merge}). */
  private static void pod(PodField pf, Object v, Map<String, Field> out) {
    if (pf == PodField.INIT_CONTAINERS) {
      Field f = new Field(Kind.KEPT, pf.key(), 0);
      out.put(f.key(), f);
      return;
    }
    switch (pf.merge()) {
      case MAP -> ((Map<?, ?>) v).keySet().forEach(k -> put(out, pf.key() + "." + k));
      case BY_NAME -> ((List<?>) v).forEach(i -> put(out, pf.key() + "." + PodSettings.nameOf(i)));
      case WHOLE -> put(out, pf.key());
    }
  }

  private static void put(Map<String, Field> out, String name) {
    Field f = new Field(Kind.POD, name, 0);
    out.put(f.key(), f);
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
      if (!f.coverable()) {
        continue;
      }
      int field = fieldIds.get(f.key());
      for (int u : userKeys) {
        index.computeIfAbsent(slot(field, u), k -> new Slot()).add(p);
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
      if (!f.coverable() || f.kind() == Kind.ENV && referencedEnv.contains(f.name())) {
        continue;
      }
      Integer id = fieldIds.get(f.key());
      if (id == null) {
        continue; // no other profile sets it
      }
      Set<Integer> by = new LinkedHashSet<>();
      int field = id;
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
  private boolean later(Profile a, int field, int u, String image, Set<Integer> by) {
    int latest = u < 0 ? -1 : latest(slot(field, u), image);
    if (u != 0) {
      latest = Math.max(latest, latest(slot(field, 0), image));
    }
    if (latest > a.order()) {
      by.add(latest);
      return true;
    }
    return false;
  }

  /**
   * A slot's key: dense and below 2^32 for any realistic configuration, so that {@link Long}'s hash
   * (its two halves xor-ed) spreads them; field and user ids side by side would collide.
   */
  private long slot(int field, int user) {
    return (long) user * fieldIds.size() + field;
  }

  private int latest(long key, String image) {
    Slot s = index.get(key);
    return s == null ? -1 : s.latestContaining(image);
  }

  /**
   * For one field and user key: the latest profile per image key. Most slots hold one or two
   * profiles, so the maps are made only when needed.
   */
  private static final class Slot {
    int anyImage = -1;
    Map<String, Integer> exact;
    Map<String, Integer> tagless;
    List<ImagePattern> globs;
    List<Integer> globOrders;

    void add(Profile p) {
      int order = p.order();
      if (p.images().isEmpty()) {
        anyImage = Math.max(anyImage, order);
        return;
      }
      for (String e : p.images()) {
        switch (LintImages.form(e)) {
          case EXACT -> exact = merge(exact, e, order);
          case TAGLESS -> tagless = merge(tagless, e, order);
          case GLOB -> {
            if (globs == null) {
              globs = new ArrayList<>(2);
              globOrders = new ArrayList<>(2);
            }
            globs.add(new ImagePattern(e));
            globOrders.add(order);
          }
        }
      }
    }

    private static Map<String, Integer> merge(Map<String, Integer> m, String k, int order) {
      Map<String, Integer> out = m == null ? new HashMap<>(4) : m;
      out.merge(k, order, Math::max);
      return out;
    }

    private static int get(Map<String, Integer> m, String k) {
      return m == null ? -1 : m.getOrDefault(k, -1);
    }

    /** The latest profile here whose image condition holds for every image of {@code image}. */
    int latestContaining(String image) {
      int best = anyImage;
      if (image == null) {
        return best;
      }
      switch (LintImages.form(image)) {
        case EXACT -> {
          best = Math.max(best, get(exact, image));
          best = Math.max(best, get(tagless, ImageRef.nameWithoutTag(image)));
          for (int i = 0; globs != null && i < globs.size(); i++) {
            if (globOrders.get(i) > best && globs.get(i).matches(image)) {
              best = globOrders.get(i);
            }
          }
        }
        case TAGLESS -> {
          best = Math.max(best, get(tagless, image));
          best = Math.max(best, globsContaining(image, best));
        }
        case GLOB -> best = Math.max(best, globsContaining(image, best));
      }
      return best;
    }

    private int globsContaining(String image, int best) {
      for (int i = 0; globs != null && i < globs.size(); i++) {
        if (globOrders.get(i) > best && LintImages.contains(globs.get(i).entry(), image)) {
          best = globOrders.get(i);
        }
      }
      return best;
    }
  }
}
