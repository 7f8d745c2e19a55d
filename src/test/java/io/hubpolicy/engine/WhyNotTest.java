package io.hubpolicy.engine;

import static io.hubpolicy.engine.Engines.decide;
import static io.hubpolicy.engine.Engines.ruleBase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.WhyNot;
import io.hubpolicy.workload.WorkloadGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Why the other profiles did not apply, in the sizes an answer can afford: the close ones from the
 * indexes (checked against looking at every profile), the counts, the cap, the pages.
 */
class WhyNotTest {
  static final String CONFIG =
      """
      profiles:
      - name: for everyone, any image
      - name: for everyone, another image
        images: ['other:1']
      - name: alice, spark
        users: [alice]
        images: ['spark:1']
      - name: devs, spark glob
        groups: [devs]
        images: ['s2i-spark-*']
      - name: alice, any image
        users: [alice]
      - name: bob, nb:1
        users: [bob]
        images: ['nb:1']
      - name: ops, nb without tag
        groups: [ops]
        images: ['nb']
      - name: carol, glob n*
        users: [carol]
        images: ['n*']
      - name: bob, any image
        users: [bob]
      - name: bob, other image
        users: [bob]
        images: ['other:1']
      - name: alice, nb:1
        users: [alice]
        images: ['nb:1']
      - name: star, nb:2
        users: ['*']
        images: ['nb:2']
      sizes: []
      """;

  static final RuleBase RB = ruleBase(CONFIG);

  static List<String> names(List<NotApplied> list) {
    return list.stream().map(NotApplied::profile).toList();
  }

  @Test
  void closeAreTheProfilesNamingTheUserButNotTheImageOrTheImageButNotTheUser() {
    RuleBase rb = RB;
    var d = decide(rb, "alice", "nb:1", null, "devs");
    assertEquals(
        List.of("for everyone, any image", "alice, any image", "alice, nb:1"), d.profiles());
    WhyNot.Close close = d.notApplied().close(100);
    assertEquals(
        List.of(
            "alice, spark", // user by name, image not listed
            "devs, spark glob", // group by name, image not matching the glob
            "bob, nb:1", // image by its exact name, not bob
            "ops, nb without tag", // image by its name without tag, not in ops
            "carol, glob n*"), // image by a glob, not carol
        names(close.shown()));
    // Not close: for everyone ("for everyone, another image", "star, nb:2"), for every image
    // ("bob, any image"), or naming neither ("bob, other image").
    assertEquals(5, close.count());
    assertEquals(12 - 3, d.notApplied().count());
    assertEquals(9, d.notApplied().all().size());

    var why = close.shown();
    assertEquals("image 'nb:1' matches none of images [spark:1]", why.get(0).reason());
    assertEquals(2, why.get(0).order());
    assertEquals("user 'alice' not in users [bob]", why.get(2).reason());
    assertEquals(
        "user 'alice' not in users [] and none of the user's groups [devs] in groups [ops]",
        why.get(3).reason());
  }

  @Test
  void withoutAnImageTheCloseOnesAreThoseNamingTheUserThatNeedAnImage() {
    RuleBase rb = RB;
    var d = decide(rb, "alice", null, null, "devs");
    assertEquals(
        List.of("alice, spark", "devs, spark glob", "alice, nb:1"),
        names(d.notApplied().close(100).shown()));
    assertEquals(
        "no image given and the profile needs one of images [spark:1]",
        d.notApplied().close(100).shown().get(0).reason());
  }

  @Test
  void aStrangerWithAnUnlistedImageHasNothingClose() {
    RuleBase rb = RB;
    var d = decide(rb, "zoe", "unlisted:3", null);
    assertEquals(new WhyNot.Close(List.of(), 0), d.notApplied().close(100));
    assertEquals(11, d.notApplied().count());
  }

  @Test
  void theCapLimitsWhatIsShownNotWhatIsCounted() {
    StringBuilder y = new StringBuilder("profiles:\n- name: everyone\n");
    for (int i = 0; i < 60; i++) {
      y.append("- name: a").append(i).append("\n  users: [alice]\n  images: ['spark:1']\n");
    }
    RuleBase rb = ruleBase(y + "sizes: []\n");
    WhyNot whyNot = decide(rb, "alice", "nb:1", null).notApplied();
    WhyNot.Close close = whyNot.close(25);
    assertEquals(25, close.shown().size());
    assertEquals(60, close.count());
    assertEquals("a0", close.shown().get(0).profile());
    assertEquals("a24", close.shown().get(24).profile());
    assertEquals(60, whyNot.count());
  }

  @Test
  void pagesAreSlicesOfEveryProfileThatDidNotApplyAndTogetherAreAllOfThem() {
    RuleBase rb = RB;
    WhyNot whyNot = decide(rb, "alice", "nb:1", null, "devs").notApplied();
    List<NotApplied> all = scan(rb, new SpawnRequest("alice", List.of("devs"), "nb:1", null));
    assertEquals(all, whyNot.all());
    for (int limit = 1; limit <= 10; limit++) {
      List<NotApplied> pages = new ArrayList<>();
      for (int offset = 0; offset < whyNot.count(); offset += limit) {
        List<NotApplied> page = whyNot.page(offset, limit);
        assertEquals(all.subList(offset, Math.min(all.size(), offset + limit)), page);
        pages.addAll(page);
      }
      assertEquals(all, pages, "limit " + limit);
    }
    assertEquals(List.of(), whyNot.page(9, 5));
    assertEquals(List.of(), whyNot.page(Integer.MAX_VALUE, 5));
    assertEquals(List.of(), whyNot.page(3, 0));
    assertThrows(IllegalArgumentException.class, () -> whyNot.page(-1, 5));
  }

  @Test
  void oneProfileAtATime() {
    RuleBase rb = RB;
    WhyNot whyNot = decide(rb, "alice", "nb:1", null, "devs").notApplied();
    assertNull(whyNot.of(0), "applied");
    assertEquals("user 'alice' not in users [bob]", whyNot.of(5).reason());
  }

  /** The index against looking at every profile, on a generated workload. */
  @Test
  void theIndexesFindWhatLookingAtEveryProfileFinds() {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(1000, 200, 42);
    RuleBase rb = ruleBase(w.yaml());
    List<SpawnRequest> requests = new ArrayList<>(w.requests());
    // Some requests without an image, with an image no profile lists, and with tags no profile
    // lists (only the entries without a tag can match those).
    Random r = new Random(7);
    for (int i = 0; i < 40; i++) {
      SpawnRequest q = w.requests().get(i);
      String image =
          switch (i % 3) {
            case 0 -> null;
            case 1 -> "unlisted-" + r.nextInt(5) + ":v1";
            default -> "notebook-" + r.nextInt(WorkloadGenerator.IMAGES) + ":latest";
          };
      requests.add(new SpawnRequest(q.user(), q.groups(), image, null));
    }
    int closeByUser = 0;
    int closeByImage = 0;
    int max = 0;
    List<Profile> profiles = rb.config().profiles();
    List<ProfileMatcher> matchers = profiles.stream().map(ProfileMatcher::new).toList();
    for (SpawnRequest q : requests) {
      WhyNot whyNot = rb.whyNot(q);
      List<NotApplied> all = scan(matchers, q);
      List<NotApplied> close = new ArrayList<>();
      for (int i = 0; i < profiles.size(); i++) {
        Profile p = profiles.get(i);
        ProfileMatcher m = matchers.get(i);
        boolean userByName =
            !p.appliesToEveryone()
                && (p.users().contains(q.user())
                    || q.groups().stream().anyMatch(p.groups()::contains));
        boolean imageByName =
            !p.images().isEmpty()
                && q.image() != null
                && m.imageMatches(q.image(), ImageRef.nameWithoutTag(q.image()));
        if (userByName && !m.imageMatches(q)) {
          close.add(new NotApplied(p.name(), p.order(), m.whyNot(q)));
          closeByUser++;
        } else if (imageByName && !m.userMatches(q)) {
          close.add(new NotApplied(p.name(), p.order(), m.whyNot(q)));
          closeByImage++;
        }
      }
      WhyNot.Close found = whyNot.close(Integer.MAX_VALUE);
      assertEquals(close, found.shown(), q.toString());
      assertEquals(close.size(), found.count(), q.toString());
      assertEquals(close.subList(0, Math.min(25, close.size())), whyNot.close(25).shown());
      assertEquals(all.size(), whyNot.count(), q.toString());
      assertEquals(rb.config().profiles().size() - rb.matching(q).size(), whyNot.count());
      List<NotApplied> pages = new ArrayList<>();
      for (int offset = 0; offset < whyNot.count(); offset += 100) {
        pages.addAll(whyNot.page(offset, 100));
      }
      assertEquals(all, pages, q.toString());
      max = Math.max(max, close.size());
    }
    // The workload exercises both kinds, and enough of them to hit the cap sometimes.
    assertTrue(closeByUser > 100, "close by user: " + closeByUser);
    assertTrue(closeByImage > 1000, "close by image: " + closeByImage);
    assertTrue(max > 25, "most close profiles for one request: " + max);
  }

  /** Every profile that did not apply, looking at each one. */
  static List<NotApplied> scan(RuleBase rb, SpawnRequest q) {
    return scan(rb.config().profiles().stream().map(ProfileMatcher::new).toList(), q);
  }

  static List<NotApplied> scan(List<ProfileMatcher> matchers, SpawnRequest q) {
    List<NotApplied> out = new ArrayList<>();
    for (ProfileMatcher m : matchers) {
      String why = m.whyNot(q);
      if (why != null) {
        out.add(new NotApplied(m.profile.name(), m.profile.order(), why));
      }
    }
    return out;
  }
}
