package io.hubpolicy.engine;

import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.WhyNot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds the profiles whose conditions a request meets without looking at the others: profiles are
 * indexed by user and group, so a decision costs the number of candidate profiles, not the size of
 * the configuration. Order is the configuration order; the rules turn it into firing order.
 *
 * <p>The profiles that name images are indexed by image too (exact entries, entries without a tag,
 * and the distinct glob entries in a short list), so that the profiles that came close to applying
 * (see {@link WhyNot}) are found from the same kind of lookups.
 */
final class ProfileIndex {
  private static final int[] NONE = new int[0];

  private final ProfileMatcher[] matchers;
  private final int[] everyone;
  private final Map<String, int[]> byUser;
  private final Map<String, int[]> byGroup;

  /** Entries without {@code *}, by the entry: an image equal to it. */
  private final Map<String, int[]> byImage;

  /** Entries without a tag (nor {@code *}), by the entry: an image whose name without tag it is. */
  private final Map<String, int[]> byImageName;

  /** Each distinct glob entry once, with the profiles that list it. */
  private final Pattern[] globs;

  private final int[][] byGlob;

  /**
   * The index of {@code profiles}, sharing what it can with {@code previous} (the index of the
   * configuration serving now, or null). A reload usually edits what a profile sets, not whom it
   * applies to: when every position holds a profile with the same users, groups and images as
   * before, the lookup tables are the previous ones, and only the matchers of the profiles that
   * changed are new. Everything a reload builds is copied by the next young collections until it is
   * promoted; rebuilding the tables for 10,000 profiles made those collections the slow requests
   * during reloads (BENCHMARKS.md §3).
   */
  static ProfileIndex of(List<Profile> profiles, ProfileIndex previous) {
    if (previous == null || previous.matchers.length != profiles.size()) {
      return new ProfileIndex(profiles);
    }
    ProfileMatcher[] next = new ProfileMatcher[profiles.size()];
    for (int i = 0; i < next.length; i++) {
      Profile p = profiles.get(i);
      ProfileMatcher before = previous.matchers[i];
      if (before.profile == p) {
        next[i] = before;
      } else if (sameConditions(before.profile, p)) {
        next[i] = new ProfileMatcher(p);
      } else {
        return new ProfileIndex(profiles);
      }
    }
    return new ProfileIndex(next, previous);
  }

  /** Whether the lookup tables place {@code a} and {@code b} alike. */
  private static boolean sameConditions(Profile a, Profile b) {
    return a.users().equals(b.users())
        && a.groups().equals(b.groups())
        && a.images().equals(b.images());
  }

  /** New matchers over the same tables (see {@link #of}). */
  private ProfileIndex(ProfileMatcher[] matchers, ProfileIndex tables) {
    this.matchers = matchers;
    this.everyone = tables.everyone;
    this.byUser = tables.byUser;
    this.byGroup = tables.byGroup;
    this.byImage = tables.byImage;
    this.byImageName = tables.byImageName;
    this.globs = tables.globs;
    this.byGlob = tables.byGlob;
  }

  /** Whether this index looks profiles up in {@code other}'s tables (for tests). */
  boolean sharesTablesWith(ProfileIndex other) {
    return byUser == other.byUser && byGroup == other.byGroup && byImage == other.byImage;
  }

  ProfileIndex(List<Profile> profiles) {
    matchers = new ProfileMatcher[profiles.size()];
    Map<String, List<Integer>> users = new HashMap<>();
    Map<String, List<Integer>> groups = new HashMap<>();
    Map<String, List<Integer>> images = new HashMap<>();
    Map<String, List<Integer>> imageNames = new HashMap<>();
    Map<String, List<Integer>> globEntries = new LinkedHashMap<>();
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < profiles.size(); i++) {
      Profile p = profiles.get(i);
      matchers[i] = new ProfileMatcher(p);
      if (matchers[i].appliesToEveryone()) {
        // Never close: their user condition always holds.
        all.add(i);
        continue;
      }
      for (String u : p.users()) {
        addUnique(users.computeIfAbsent(u, k -> new ArrayList<>()), i);
      }
      for (String g : p.groups()) {
        addUnique(groups.computeIfAbsent(g, k -> new ArrayList<>()), i);
      }
      for (String entry : p.images()) {
        if (entry.contains("*")) {
          addUnique(globEntries.computeIfAbsent(entry, k -> new ArrayList<>()), i);
          continue;
        }
        addUnique(images.computeIfAbsent(entry, k -> new ArrayList<>()), i);
        if (!ImageRef.hasTag(entry)) {
          addUnique(imageNames.computeIfAbsent(entry, k -> new ArrayList<>()), i);
        }
      }
    }
    everyone = toArray(all);
    byUser = freeze(users);
    byGroup = freeze(groups);
    byImage = freeze(images);
    byImageName = freeze(imageNames);
    globs = globEntries.keySet().stream().map(ProfileMatcher::glob).toArray(Pattern[]::new);
    byGlob = globEntries.values().stream().map(ProfileIndex::toArray).toArray(int[][]::new);
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
    int[] m = matchingPositions(r);
    List<Profile> out = new ArrayList<>(m.length);
    for (int i : m) {
      out.add(matchers[i].profile);
    }
    return out;
  }

  /** The positions of the profiles that apply, ascending. */
  private int[] matchingPositions(SpawnRequest r) {
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
    int out = 0;
    int last = -1;
    for (int c : candidates) {
      if (c != last && matchers[c].imageMatches(image, name)) {
        candidates[out++] = c;
      }
      last = c;
    }
    return Arrays.copyOf(candidates, out);
  }

  /** The profiles that name the user or one of their groups, ascending, each once. */
  private int[] namingUser(SpawnRequest r) {
    List<int[]> parts = new ArrayList<>(1 + r.groups().size());
    parts.add(byUser.getOrDefault(r.user(), NONE));
    for (String g : r.groups()) {
      parts.add(byGroup.getOrDefault(g, NONE));
    }
    return sortedUnion(parts.toArray(new int[0][]));
  }

  /** The profiles (not for everyone) that name the request's image, ascending, each once. */
  private int[] namingImage(SpawnRequest r) {
    String image = r.image();
    if (image == null || image.isEmpty()) {
      return NONE;
    }
    List<int[]> parts = new ArrayList<>();
    parts.add(byImage.getOrDefault(image, NONE));
    parts.add(byImageName.getOrDefault(ImageRef.nameWithoutTag(image), NONE));
    for (int g = 0; g < globs.length; g++) {
      if (globs[g].matcher(image).matches()) {
        parts.add(byGlob[g]);
      }
    }
    return sortedUnion(parts.toArray(new int[0][]));
  }

  private static int[] sortedUnion(int[]... parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] all = new int[n];
    int k = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, all, k, p.length);
      k += p.length;
    }
    Arrays.sort(all);
    int u = 0;
    for (int i = 0; i < all.length; i++) {
      if (u == 0 || all[u - 1] != all[i]) {
        all[u++] = all[i];
      }
    }
    return u == all.length ? all : Arrays.copyOf(all, u);
  }

  /**
   * Why the profiles that do not apply to {@code r} do not, each part computed when first asked.
   */
  WhyNot whyNot(SpawnRequest r) {
    return new Explained(r);
  }

  private final class Explained implements WhyNot {
    private final SpawnRequest request;
    private volatile int[] matching;

    Explained(SpawnRequest request) {
      this.request = request;
    }

    private int[] matching() {
      int[] m = matching;
      if (m == null) {
        m = matchingPositions(request);
        matching = m;
      }
      return m;
    }

    private NotApplied entry(int position) {
      ProfileMatcher m = matchers[position];
      String why = m.whyNot(request);
      return why == null ? null : new NotApplied(m.profile.name(), m.profile.order(), why);
    }

    @Override
    public int count() {
      return matchers.length - matching().length;
    }

    @Override
    public Close close(int cap) {
      String image = request.image();
      String name = image == null ? null : ImageRef.nameWithoutTag(image);
      int[] user = namingUser(request);
      int[] img = namingImage(request);
      // Merge the two ascending lists. In both: user and image condition hold, so it applied. In
      // the user's only: close when the image does not match. In the image's only: the user
      // condition does not hold (the profile is not for everyone and does not name them), close.
      List<NotApplied> shown = new ArrayList<>(Math.min(cap, 16));
      int count = 0;
      int i = 0;
      int j = 0;
      while (i < user.length || j < img.length) {
        int c;
        boolean close;
        if (j == img.length || (i < user.length && user[i] < img[j])) {
          c = user[i++];
          close = !matchers[c].imageMatches(image, name);
        } else if (i == user.length || img[j] < user[i]) {
          c = img[j++];
          close = !matchers[c].userMatches(request);
        } else {
          i++;
          j++;
          continue;
        }
        if (close) {
          if (shown.size() < cap) {
            shown.add(entry(c));
          }
          count++;
        }
      }
      return new Close(shown, count);
    }

    @Override
    public List<NotApplied> page(int offset, int limit) {
      if (offset < 0 || limit < 0) {
        throw new IllegalArgumentException("offset and limit must not be negative");
      }
      int[] m = matching();
      // The position of the offset-th profile that did not apply: offset plus the matches at or
      // before it.
      long start = offset;
      for (int x : m) {
        if (x <= start) {
          start++;
        } else {
          break;
        }
      }
      List<NotApplied> out = new ArrayList<>(Math.min(limit, Math.max(0, count() - offset)));
      int k = Arrays.binarySearch(m, (int) Math.min(start, Integer.MAX_VALUE));
      k = k < 0 ? -k - 1 : k;
      for (long p = start; p < matchers.length && out.size() < limit; p++) {
        if (k < m.length && m[k] == p) {
          k++;
          continue;
        }
        out.add(entry((int) p));
      }
      return out;
    }

    @Override
    public NotApplied of(int position) {
      return entry(position);
    }
  }
}
