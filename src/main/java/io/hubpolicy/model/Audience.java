package io.hubpolicy.model;

import java.util.List;

/**
 * Who something is for, in the profiles' terms: no users and no groups, or {@code "*"} among the
 * users, is everyone; otherwise the users named, and the members of the groups named. Names are
 * exact and case-sensitive.
 */
public record Audience(List<String> users, List<String> groups) {
  public static final Audience EVERYONE = new Audience(List.of(), List.of());

  public Audience {
    users = users == null ? List.of() : List.copyOf(users);
    groups = groups == null ? List.of() : List.copyOf(groups);
  }

  public boolean everyone() {
    return (users.isEmpty() && groups.isEmpty()) || users.contains("*");
  }

  public boolean includes(String user, List<String> userGroups) {
    if (everyone() || users.contains(user)) {
      return true;
    }
    for (String g : userGroups) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }

  /** For a reason: {@code users [a, b] or groups [g]}. */
  public String describe() {
    if (everyone()) {
      return "everyone";
    }
    if (groups.isEmpty()) {
      return "users " + users;
    }
    return users.isEmpty() ? "groups " + groups : "users " + users + " or groups " + groups;
  }
}
