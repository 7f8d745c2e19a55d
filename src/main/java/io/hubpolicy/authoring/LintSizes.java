package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.authoring.LintLocations.Location;
import io.hubpolicy.authoring.LintRules.SizeReference;
import io.hubpolicy.catalog.ClusterObjects;
import io.hubpolicy.catalog.NodeCapacity;
import io.hubpolicy.catalog.Schedulability;
import io.hubpolicy.catalog.Verdict;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.UserObjectNames;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.preferences.PreferencesFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The size checks: sizes nobody can choose ({@code unused-size}, {@code redefined-size}), names
 * that are no size ({@code unknown-size-reference} in rules, {@code stale-saved-size} in users'
 * saved choices) and sizes no node can hold ({@code unschedulable-size}).
 */
final class LintSizes {
  /** What a request for no size sends; a rule comparing with it never holds. */
  static final String NO_SIZE = "Default";

  private final List<Size> sizes;
  private final LintLocations where;
  private final List<LintFinding> out;

  LintSizes(List<Size> sizes, LintLocations where, List<LintFinding> out) {
    this.sizes = sizes;
    this.where = where;
    this.out = out;
  }

  /** Sizes replaced by a later one of the same name, and sizes offered to nobody. */
  void choosable() {
    for (int i = 0; i < sizes.size(); i++) {
      Size s = sizes.get(i);
      Size sameSource = null;
      Size later = null;
      for (int k = i + 1; k < sizes.size(); k++) {
        Size t = sizes.get(k);
        if (t.name().equals(s.name())) {
          later = t;
          boolean same = t.source().source().equals(s.source().source());
          sameSource = same && sameSource == null ? t : sameSource;
        }
      }
      if (sameSource != null) {
        add(
            LintCode.UNUSED_SIZE,
            where.size(s),
            "size '"
                + s.name()
                + "' can never be chosen: the same source defines it again ("
                + where(sameSource)
                + ") and the last one wins; remove one");
      } else if (later != null) {
        add(
            LintCode.REDEFINED_SIZE,
            where.size(s),
            "size '"
                + s.name()
                + "' is replaced by the size of the same name in a later source ("
                + where(later)
                + "): the last one wins, so this one is never offered");
      } else if (LintProfiles.nobody(s.audience().users(), s.audience().groups())) {
        add(
            LintCode.UNUSED_SIZE,
            where.size(s),
            "size '"
                + s.name()
                + "' can never be chosen: "
                + LintProfiles.describeNobody(s.audience().users(), s.audience().groups()));
      }
    }
  }

  /** {@code unknown-size-reference}: a rule compares the size with a name that is no size. */
  void referencedByRules(List<SizeReference> references) {
    Map<String, Size> byName = byName();
    for (SizeReference r : references) {
      if (byName.containsKey(r.size())) {
        continue;
      }
      String why =
          r.size().isBlank() || r.size().equals(NO_SIZE)
              ? "'"
                  + r.size()
                  + "' is no size: a request for it asks for no size, which rules see as none"
                  + " (size == null, no ChosenSize), so the comparison never holds"
              : "there is no size '" + r.size() + "' (sizes: " + names(byName) + ")";
      out.add(
          new LintFinding(
              LintCode.UNKNOWN_SIZE_REFERENCE,
              r.file(),
              r.line(),
              r.rule(),
              "the rule compares the size with '" + r.size() + "', but " + why));
    }
  }

  /** {@code stale-saved-size}: saved preferences in the cluster naming a size that is gone. */
  void savedChoices(ClusterObjects cluster) {
    if (!cluster.knows(ClusterObjects.Kind.CONFIG_MAP)) {
      return;
    }
    Map<String, Size> byName = byName();
    cluster
        .configMapData(UserObjectNames.PREFERENCES_PREFIX)
        .forEach(
            (name, data) -> {
              String text = data.get(UserObjectNames.PREFERENCES_KEY);
              UserPreferences p = PreferencesFormat.read(text, name, new ArrayList<>());
              String size = p.size();
              if (size != null
                  && !size.isBlank()
                  && !size.equals(NO_SIZE)
                  && !byName.containsKey(size)) {
                out.add(
                    new LintFinding(
                        LintCode.STALE_SAVED_SIZE,
                        "ConfigMap " + name,
                        0,
                        UserObjectNames.PREFERENCES_KEY + ".last_selected_size",
                        "a user's saved size '"
                            + size
                            + "' is no size (sizes: "
                            + names(byName)
                            + "); the spawn form ignores it and preselects Default"
                            + " ("
                            + cluster.describe()
                            + ")"));
              }
            });
  }

  /**
   * {@code unschedulable-size}: what the size itself requests fits on no ready node. Only its
   * requests are judged: a size without a request leaves it to the profiles (or to its limit).
   */
  void schedulable(ClusterObjects cluster) {
    List<NodeCapacity> nodes = cluster.nodes();
    if (!cluster.knows(ClusterObjects.Kind.NODE) || nodes.isEmpty()) {
      return;
    }
    Schedulability check = new Schedulability(0);
    for (Size s : byName().values()) {
      Map<String, Quantity> requests = new LinkedHashMap<>();
      s.resources()
          .forEach(
              (k, v) -> {
                if (k.equals("requests.cpu") || k.equals("requests.memory")) {
                  requests.put(k, v);
                }
              });
      if (requests.isEmpty()) {
        continue;
      }
      Verdict v = check.check(new Size(s.name(), requests, s.source(), s.audience()), nodes);
      if (v.status() == Verdict.Status.UNSCHEDULABLE) {
        add(
            LintCode.UNSCHEDULABLE_SIZE,
            where.size(s),
            "size '"
                + s.name()
                + "' fits on no ready node of "
                + cluster.describe()
                + ": "
                + v.reason());
      }
    }
  }

  private Map<String, Size> byName() {
    Map<String, Size> m = new LinkedHashMap<>();
    sizes.forEach(s -> m.put(s.name(), s));
    return m;
  }

  private static String names(Map<String, Size> byName) {
    return byName.isEmpty() ? "none" : String.join(", ", new TreeSet<>(byName.keySet()));
  }

  private String where(Size s) {
    Location at = where.size(s);
    return at.line() > 0 ? at.file() + ":" + at.line() : at.file();
  }

  private void add(LintCode code, Location at, String message) {
    out.add(new LintFinding(code, at.file(), at.line(), at.field(), message));
  }
}
