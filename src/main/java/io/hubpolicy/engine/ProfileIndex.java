package io.hubpolicy.engine;

import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the profiles whose conditions a request meets without looking at the others: profiles are
 * indexed by user and group, so a decision costs the number of candidate profiles, not the size of
 * the configuration. Order is the configuration order; the rules turn it into firing order.
 */
final class ProfileIndex {
  private static final int[] NONE = new int[0];

  private final ProfileMatcher[] matchers;
  private final int[] everyone;
  private final Map<String, int[]> byUser;
  private final Map<String, int[]> byGroup;

  ProfileIndex(List<Profile> profiles) {
    matchers = new ProfileMatcher[profiles.size()];
    Map<String, List<Integer>> users = new HashMap<>();
    Map<String, List<Integer>> groups = new HashMap<>();
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < profiles.size(); i++) {
      Profile p = profiles.get(i);
      matchers[i] = new ProfileMatcher(p);
      if (matchers[i].appliesToEveryone()) {
        all.add(i);
        continue;
      }
      for (String u : p.users()) {
        addUnique(users.computeIfAbsent(u, k -> new ArrayList<>()), i);
      }
      for (String g : p.groups()) {
        addUnique(groups.computeIfAbsent(g, k -> new ArrayList<>()), i);
      }
    }
    everyone = toArray(all);
    byUser = freeze(users);
    byGroup = freeze(groups);
  }

  private static void addUnique(List<Integer> list, int i) {
    if (list.isEmpty() || list.get(list.size() - 1) != i) {
      list.add(i);
    }
  }

  private static Map<String, int[]> freeze(Map<String, List<Integer>> m) {
    Map<String, int[]> out = new HashMap<>(m.size() * 2);
    m.forEach((k, v) -> out.put(k, toArray(v)));
    return out;
  }

  private static int[] toArray(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Profiles that apply to the request, in configuration order. */
  List<Profile> matching(SpawnRequest r) {
    int[] fromUser = byUser.getOrDefault(r.user(), NONE);
    int n = everyone.length + fromUser.length;
    int[][] fromGroups = new int[r.groups().size()][];
    for (int g = 0; g < fromGroups.length; g++) {
      fromGroups[g] = byGroup.getOrDefault(r.groups().get(g), NONE);
      n += fromGroups[g].length;
    }
    int[] candidates = new int[n];
    int k = 0;
    System.arraycopy(everyone, 0, candidates, k, everyone.length);
    k += everyone.length;
    System.arraycopy(fromUser, 0, candidates, k, fromUser.length);
    k += fromUser.length;
    for (int[] g : fromGroups) {
      System.arraycopy(g, 0, candidates, k, g.length);
      k += g.length;
    }
    Arrays.sort(candidates);
    String image = r.image();
    String name = image == null ? null : ImageRef.nameWithoutTag(image);
    List<Profile> out = new ArrayList<>();
    int last = -1;
    for (int c : candidates) {
      if (c != last && matchers[c].imageMatches(image, name)) {
        out.add(matchers[c].profile);
      }
      last = c;
    }
    return out;
  }

  /** Every profile that does not apply, with the reason; O(profiles), so only on demand. */
  List<NotApplied> notApplied(SpawnRequest r) {
    List<NotApplied> out = new ArrayList<>();
    for (ProfileMatcher m : matchers) {
      String why = m.whyNot(r);
      if (why != null) {
        out.add(new NotApplied(m.profile.name(), m.profile.order(), why));
      }
    }
    return out;
  }
}
