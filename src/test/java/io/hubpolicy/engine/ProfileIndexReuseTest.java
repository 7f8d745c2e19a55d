package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A reload's index shares the previous one's lookup tables when no profile changed whom it applies
 * to, and answers exactly as an index built from nothing would, whatever the edit.
 */
class ProfileIndexReuseTest {
  static final WorkloadGenerator.Workload W = WorkloadGenerator.generate(300, 400, 7);

  static RuleBase build(RuleBaseBuilder b, String yaml) {
    return b.check(List.of(new ConfigSource("profiles.yaml", yaml)), List.of()).orThrow();
  }

  @Test
  void anEditOfWhatAProfileSetsKeepsTheTablesAndTheOtherMatchers() {
    RuleBaseBuilder b = new RuleBaseBuilder();
    RuleBase before = build(b, W.yaml());
    String edited = W.yaml().replaceFirst("value: 'v0'", "value: 'edited'");
    RuleBase after = build(b, edited);
    assertTrue(after.index().sharesTablesWith(before.index()));
    int same = 0;
    List<Profile> ps = after.config().profiles();
    for (int i = 0; i < ps.size(); i++) {
      if (ps.get(i) == before.config().profiles().get(i)) {
        same++;
      }
    }
    // One profile was read again; the loader kept the other 299 as they were.
    assertEquals(ps.size() - 1, same);
    assertSameAnswers(after, build(new RuleBaseBuilder(), edited));
  }

  @Test
  void anEditOfWhomAProfileAppliesToRebuildsTheTables() {
    RuleBaseBuilder b = new RuleBaseBuilder();
    RuleBase before = build(b, W.yaml());
    String edited = W.yaml().replaceFirst("users: \\[", "users: [newcomer, ");
    RuleBase after = build(b, edited);
    assertFalse(after.index().sharesTablesWith(before.index()));
    SpawnRequest newcomer = new SpawnRequest("newcomer", List.of(), null, null);
    assertFalse(after.matching(newcomer).isEmpty(), "the new user is in the rebuilt tables");
    assertSameAnswers(after, build(new RuleBaseBuilder(), edited));
  }

  @Test
  void randomEditsAnswerAsAFreshIndexDoes() {
    Random r = new Random(11);
    RuleBaseBuilder b = new RuleBaseBuilder();
    String yaml = W.yaml();
    build(b, yaml);
    int shared = 0;
    for (int round = 0; round < 40; round++) {
      String[] lines = yaml.split("\n", -1);
      int at = r.nextInt(lines.length);
      // Values, users, groups and images (ones the requests use): the edits that keep and that
      // change the tables.
      SpawnRequest q = W.requests().get(r.nextInt(W.requests().size()));
      String group = q.groups().isEmpty() ? "nobody" : q.groups().get(0);
      String image = q.image() == null ? "none:1" : q.image();
      lines[at] =
          switch (r.nextInt(4)) {
            case 0 -> lines[at].replace("value: '", "value: 'x");
            case 1 -> lines[at].replace("users: [", "users: [" + q.user() + ", ");
            case 2 -> lines[at].replace("groups: [", "groups: [" + group + ", ");
            default -> lines[at].replace("images: [", "images: ['" + image + "', ");
          };
      yaml = String.join("\n", lines);
      RuleBase before = b.check(List.of(new ConfigSource("p.yaml", yaml)), List.of()).ruleBase();
      RuleBase again = build(b, yaml + "\n# touched\n");
      if (again.index().sharesTablesWith(before.index())) {
        shared++;
      }
      assertSameAnswers(again, build(new RuleBaseBuilder(), yaml));
    }
    assertTrue(shared > 0, "a comment-only change shares the tables");
  }

  /** Every generated request gets the same profiles and the same close misses from both. */
  static void assertSameAnswers(RuleBase reused, RuleBase fresh) {
    assertNotSame(reused.index(), fresh.index());
    for (SpawnRequest q : W.requests()) {
      assertEquals(names(fresh.matching(q)), names(reused.matching(q)), q.toString());
      assertEquals(
          fresh.whyNot(q).close(50).shown().stream().map(NotApplied::toString).toList(),
          reused.whyNot(q).close(50).shown().stream().map(NotApplied::toString).toList());
      assertEquals(fresh.whyNot(q).count(), reused.whyNot(q).count());
    }
  }

  static List<String> names(List<Profile> ps) {
    return ps.stream().map(p -> p.order() + ":" + p.name() + ":" + p.env()).toList();
  }
}
