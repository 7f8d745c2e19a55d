package io.hubpolicy.model;

import java.time.Instant;
import java.util.List;

/**
 * A time-limited exception to policy rules: the named rules do not act (deny, cap, set) for these
 * users and members of these groups until {@code until}; the decision lists it with its reason.
 * After {@code until} it has no effect (and {@code hubpolicy lint} reports it).
 */
public record RuleException(
    String name,
    List<String> users,
    List<String> groups,
    List<String> rules,
    Instant until,
    String reason,
    SourceRef source) {
  public RuleException {
    users = List.copyOf(users);
    groups = List.copyOf(groups);
    rules = List.copyOf(rules);
  }

  /** Whether it applies to this user now: named, or in a named group, and not expired. */
  public boolean appliesTo(String user, List<String> userGroups, Instant now) {
    if (!now.isBefore(until)) {
      return false;
    }
    return users.contains(user) || userGroups.stream().anyMatch(groups::contains);
  }

  public boolean expiredAt(Instant now) {
    return !now.isBefore(until);
  }
}
