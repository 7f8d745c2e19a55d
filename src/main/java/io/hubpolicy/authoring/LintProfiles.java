package io.hubpolicy.authoring;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.hubpolicy.authoring.LintLocations.Location;
import io.hubpolicy.authoring.Shadowing.Covered;
import io.hubpolicy.authoring.Shadowing.Result;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.Profile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The profile checks: names ({@code duplicate-profile}, {@code redefined-profile}), variables
 * ({@code duplicate-env}), conditions no request meets ({@code unmatchable-profile}) and fields
 * later profiles always overwrite ({@code shadowed-profile}, {@code overridden-field}).
 */
final class LintProfiles {
  /** The images requests can name, when something limits them, and what limits them. */
  record Universe(String description, Predicate<String> mayMatch) {}

  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  private final List<Profile> profiles;
  private final LintLocations where;
  private final List<LintFinding> out;

  LintProfiles(List<Profile> profiles, LintLocations where, List<LintFinding> out) {
    this.profiles = profiles;
    this.where = where;
    this.out = out;
  }

  /** A user name some request can carry: one JupyterHub and every edge of hubpolicy accept. */
  static boolean validUser(String u) {
    try {
      RequestFields.user(u, "user");
      return true;
    } catch (InvalidRequestException e) {
      return false;
    }
  }

  static boolean validGroup(String g) {
    try {
      RequestFields.group(g, "group", "group");
      return true;
    } catch (InvalidRequestException e) {
      return false;
    }
  }

  /** Whether users and groups name nobody a request can carry (and do not mean everyone). */
  static boolean nobody(List<String> users, List<String> groups) {
    boolean everyone = (users.isEmpty() && groups.isEmpty()) || users.contains("*");
    return !everyone
        && users.stream().noneMatch(LintProfiles::validUser)
        && groups.stream().noneMatch(LintProfiles::validGroup);
  }

  /**
   * {@code duplicate-profile} and {@code redefined-profile}; after {@link #shadowing}, which says
   * which redefinitions overwrite everything.
   */
  void names() {
    Map<String, List<Profile>> byName = new HashMap<>();
    for (Profile p : profiles) {
      List<Profile> same = byName.computeIfAbsent(p.name(), k -> new ArrayList<>(1));
      for (Profile before : same) {
        if (before.source().source().equals(p.source().source())) {
          add(
              LintCode.DUPLICATE_PROFILE,
              where.profile(p),
              "another profile of the same source is named '"
                  + p.name()
                  + "' ("
                  + where(before)
                  + "); both apply, and decisions, explanations and rules cannot tell them"
                  + " apart: rename one or merge them");
          break;
        }
      }
      same.add(p);
    }
    for (Profile p : profiles) {
      if (redefinitionShadows.containsKey(p.order())) {
        continue;
      }
      for (Profile q : byName.get(p.name())) {
        if (q.order() > p.order() && !q.source().source().equals(p.source().source())) {
          add(LintCode.REDEFINED_PROFILE, where.profile(p), redefined(p, q, false));
          break;
        }
      }
    }
  }

  private final Map<Integer, Profile> redefinitionShadows = new HashMap<>();
  private final Set<String> overriddenServices = new java.util.HashSet<>();

  /**
   * Whether a later profile replaces this service of {@code p} for every request {@code p} matches
   * (after {@link #shadowing}): it is then never launched.
   */
  boolean serviceOverridden(Profile p, String service) {
    return overriddenServices.contains(p.order() + "\0" + service);
  }

  private String redefined(Profile p, Profile again, boolean overwritesAll) {
    return "profile '"
        + p.name()
        + "' is defined again in a later source ("
        + where(again)
        + "): both apply where they match and the later one wins field by field"
        + (overwritesAll
            ? "; for every request this one matches, later profiles of that name overwrite"
                + " everything it sets, so it never changes a decision"
            : "");
  }

  void variables() {
    for (Profile p : profiles) {
      Map<String, Integer> seen = new HashMap<>();
      List<EnvVar> env = p.env();
      for (int i = 0; i < env.size(); i++) {
        Integer before = seen.put(env.get(i).getName(), i);
        if (before != null) {
          Location first = where.env(p, before);
          add(
              LintCode.DUPLICATE_ENV,
              where.env(p, i),
              "profile '"
                  + p.name()
                  + "' sets "
                  + env.get(i).getName()
                  + " again (first at line "
                  + first.line()
                  + "); this later value wins, the first one never applies: keep one");
        }
      }
    }
  }

  /**
   * {@code unmatchable-profile}: its users and groups name nobody a request can carry, or none of
   * its images can be one a request names.
   *
   * @param universe null when any image may be requested
   */
  void unmatchable(Universe universe) {
    for (Profile p : profiles) {
      if (nobody(p.users(), p.groups())) {
        add(
            LintCode.UNMATCHABLE_PROFILE,
            where.key(p, p.users().isEmpty() ? "groups" : "users"),
            "no request can match profile '"
                + p.name()
                + "': "
                + describeNobody(p.users(), p.groups()));
        continue;
      }
      if (p.images().isEmpty()) {
        continue;
      }
      boolean any = false;
      for (String image : p.images()) {
        any |= possible(image) && (universe == null || universe.mayMatch().test(image));
      }
      if (!any) {
        add(
            LintCode.UNMATCHABLE_PROFILE,
            where.key(p, "images"),
            "no request can match profile '"
                + p.name()
                + "': none of its images "
                + p.images()
                + (universe == null
                    ? " is an image reference a request can carry"
                    : " can be one of " + universe.description()));
      }
    }
  }

  /** Users and groups that name nobody, in words. */
  static String describeNobody(List<String> users, List<String> groups) {
    String what =
        (users.isEmpty() ? "" : "users " + quoted(users))
            + (users.isEmpty() || groups.isEmpty() ? "" : " and ")
            + (groups.isEmpty() ? "" : "groups " + quoted(groups));
    return what
        + (users.size() + groups.size() == 1 ? " is a name" : " are names")
        + " no request can carry (JupyterHub refuses empty names, names with '/', leading or"
        + " trailing spaces or control characters, and names longer than "
        + RequestFields.MAX_NAME
        + " characters)";
  }

  private static String quoted(List<String> names) {
    return names.stream().map(RequestFields::quote).collect(Collectors.joining(", ", "[", "]"));
  }

  /** Whether some image a request may carry can match the entry at all. */
  static boolean possible(String entry) {
    String literal = entry.replace("*", "");
    return RequestFields.badCharacter(literal) == null
        && literal.codePointCount(0, literal.length()) <= RequestFields.MAX_IMAGE;
  }

  /**
   * {@code shadowed-profile} and {@code overridden-field}.
   *
   * @param skip profiles the rules may read by name, or all when they read which profiles applied
   */
  void shadowing(Predicate<Profile> skip) {
    for (Result r : Shadowing.analyse(profiles, referencedEnv(), skip)) {
      Profile p = r.profile();
      for (Covered c : r.covered()) {
        if (c.field().kind() == Shadowing.Kind.SERVICE) {
          overriddenServices.add(p.order() + "\0" + c.field().name());
        }
      }
      if (nobody(p.users(), p.groups())) {
        continue;
      }
      if (r.shadowed()) {
        List<Profile> by = r.coverers();
        boolean overlay =
            by.stream()
                .allMatch(
                    q ->
                        q.name().equals(p.name())
                            && !q.source().source().equals(p.source().source()));
        if (overlay) {
          redefinitionShadows.put(p.order(), by.get(0));
          add(LintCode.REDEFINED_PROFILE, where.profile(p), redefined(p, by.get(0), true));
          continue;
        }
        add(
            LintCode.SHADOWED_PROFILE,
            where.profile(p),
            "profile '"
                + p.name()
                + "' never changes a decision: for every request it matches, everything it sets ("
                + r.fields().stream().map(Shadowing.Field::label).collect(Collectors.joining(", "))
                + ") is overwritten by "
                + names(by)
                + ". Remove it, or narrow the later profiles");
        continue;
      }
      for (Covered c : r.covered()) {
        add(
            LintCode.OVERRIDDEN_FIELD,
            location(p, c.field()),
            c.field().label()
                + " of profile '"
                + p.name()
                + "' never applies: for every request the profile matches, it is overwritten by "
                + names(c.by()));
      }
    }
  }

  /** Variables some value refers to: their place in the pod's env matters. */
  private Set<String> referencedEnv() {
    Set<String> out = new java.util.HashSet<>();
    for (Profile p : profiles) {
      for (EnvVar e : p.env()) {
        if (e.getValue() != null && e.getValue().indexOf("$(") >= 0) {
          Matcher m = REFERENCE.matcher(e.getValue());
          while (m.find()) {
            out.add(m.group(1));
          }
        }
      }
    }
    return out;
  }

  private Location location(Profile p, Shadowing.Field f) {
    return switch (f.kind()) {
      case ENV, PROTECTED -> f.index() >= 0 ? where.env(p, f.index()) : where.key(p, "env");
      case RESOURCE -> where.resource(p, f.name());
      case AFFINITY -> where.subKey(p, "node_affinity", f.name());
      case VOLUME -> where.item(p, "volumes", f.index());
      case SERVICE -> where.subKey(p, "services", f.name());
      case GPU -> where.key(p, "gpu");
      case KEPT -> where.key(p, f.name());
      case POD -> {
        int dot = f.name().indexOf('.');
        yield dot < 0
            ? where.key(p, f.name())
            : where.subKey(p, f.name().substring(0, dot), f.name().substring(dot + 1));
      }
    };
  }

  private String names(List<Profile> by) {
    List<String> shown = new ArrayList<>();
    for (Profile q : by.subList(0, Math.min(5, by.size()))) {
      shown.add("'" + q.name() + "' at " + where(q));
    }
    String more = by.size() > 5 ? " and " + (by.size() - 5) + " more" : "";
    return String.join(", ", shown) + more;
  }

  private String where(Profile p) {
    Location at = where.profile(p);
    return at.line() > 0 ? at.file() + ":" + at.line() : at.file();
  }

  private void add(LintCode code, Location at, String message) {
    out.add(new LintFinding(code, at.file(), at.line(), at.field(), message));
  }
}
