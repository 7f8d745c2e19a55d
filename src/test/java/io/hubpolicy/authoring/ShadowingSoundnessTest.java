package io.hubpolicy.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Profile;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ProfileLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What {@code shadowed-profile} and {@code overridden-field} claim, checked against the engine
 * itself: on seeded random configurations over a small universe of users, groups and images, every
 * profile said to be shadowed is removed (and every field said to be overridden is removed from its
 * profile) and each request of the universe is decided again: no decision may change. Also checks
 * that the generator makes both kinds of finding, so the check cannot pass empty.
 */
class ShadowingSoundnessTest {
  static final String[] USERS = {"ann", "bob", "cy"};
  static final String[] GROUPS = {"g1", "g2"};
  static final String[] IMAGE_ENTRIES = {"nb:1", "nb:2", "nb", "nb*", "other:1", "*:1"};
  static final String[] ENV = {"A", "B", "C"};
  static final String[] REQUEST_USERS = {"ann", "bob", "cy", "dan"};
  static final List<List<String>> REQUEST_GROUPS =
      List.of(List.of(), List.of("g1"), List.of("g1", "g2"));
  static final String[] REQUEST_IMAGES = {
    "nb:1", "nb:2", "nb", "nb@sha256:1", "other:1", "nbx:1", "x:2"
  };

  /** One generated profile, as YAML lines, with its env entries separately removable. */
  record Gen(String name, String head, List<String> env, String rest) {
    String yaml(int dropEnv) {
      StringBuilder sb = new StringBuilder(head);
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < env.size(); i++) {
        if (i != dropEnv) {
          kept.add(env.get(i));
        }
      }
      if (!kept.isEmpty()) {
        sb.append("  env: [").append(String.join(", ", kept)).append("]\n");
      }
      return sb.append(rest).toString();
    }
  }

  static List<Gen> generate(Random rnd) {
    List<Gen> out = new ArrayList<>();
    int n = 4 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      StringBuilder head = new StringBuilder("- name: p" + i + "\n");
      if (rnd.nextInt(10) >= 4) {
        List<String> users = pick(rnd, USERS, 1 + rnd.nextInt(2));
        head.append("  users: ").append(users).append('\n');
        if (rnd.nextBoolean()) {
          head.append("  groups: ").append(pick(rnd, GROUPS, 1)).append('\n');
        }
      }
      if (rnd.nextBoolean()) {
        List<String> images = pick(rnd, IMAGE_ENTRIES, 1 + rnd.nextInt(2));
        head.append("  images: [")
            .append(String.join(", ", images.stream().map(s -> "'" + s + "'").toList()))
            .append("]\n");
      }
      List<String> env = new ArrayList<>();
      for (String e : pick(rnd, ENV, 1 + rnd.nextInt(2))) {
        env.add("{name: " + e + ", value: '" + i + "'}");
      }
      StringBuilder rest = new StringBuilder();
      if (rnd.nextInt(3) == 0) {
        rest.append("  resources: {limits: {cpu: '").append(1 + i).append("'}}\n");
      }
      if (rnd.nextInt(5) == 0) {
        rest.append("  gpu: ").append(i % 2).append('\n');
      }
      out.add(new Gen("p" + i, head.toString(), env, rest.toString()));
    }
    return out;
  }

  static List<String> pick(Random rnd, String[] from, int k) {
    List<String> all = new ArrayList<>(List.of(from));
    java.util.Collections.shuffle(all, rnd);
    return all.subList(0, Math.min(k, all.size()));
  }

  static String yaml(List<Gen> gens, int skipProfile, int inProfile, int dropEnv) {
    StringBuilder sb = new StringBuilder("profiles:\n");
    for (int i = 0; i < gens.size(); i++) {
      if (i != skipProfile) {
        sb.append(gens.get(i).yaml(i == inProfile ? dropEnv : -1));
      }
    }
    return sb.toString();
  }

  /** Everything a profile can change in a decision, env by name (its order is not claimed). */
  static List<String> outcomes(RuleBase rb) {
    List<String> out = new ArrayList<>();
    for (String u : REQUEST_USERS) {
      for (List<String> g : REQUEST_GROUPS) {
        for (String image : REQUEST_IMAGES) {
          Decision d = Engines.decide(rb, u, image, null, g.toArray(new String[0]));
          Map<String, String> env = new TreeMap<>();
          d.env().forEach(e -> env.put(e.getName(), String.valueOf(e.getValue())));
          out.add(
              u
                  + g
                  + image
                  + " "
                  + d.allowed()
                  + env
                  + d.resources()
                  + " gpu="
                  + d.gpu()
                  + d.tolerations()
                  + d.volumes()
                  + d.services().keySet()
                  + d.pod());
        }
      }
    }
    return out;
  }

  @Test
  void removingWhatLintSaysNeverAppliesChangesNoDecision() {
    Random rnd = new Random(16);
    int shadowedChecked = 0;
    int overriddenChecked = 0;
    for (int config = 0; config < 400 && (shadowedChecked < 6 || overriddenChecked < 6); config++) {
      List<Gen> gens = generate(rnd);
      String full = yaml(gens, -1, -1, -1);
      List<Profile> profiles =
          new ProfileLoader().read(List.of(new ConfigSource("g.yaml", full))).orThrow().profiles();
      List<Shadowing.Result> results = Shadowing.analyse(profiles, Set.of(), p -> false);
      if (results.isEmpty()) {
        continue;
      }
      List<String> before = null;
      for (Shadowing.Result r : results) {
        int order = r.profile().order();
        if (r.shadowed() && shadowedChecked < 6) {
          before = before != null ? before : outcomes(Engines.ruleBase(full));
          String without = yaml(gens, order, -1, -1);
          assertEquals(before, outcomes(Engines.ruleBase(without)), "shadowed:\n" + full + r);
          shadowedChecked++;
        }
        for (Shadowing.Covered c : r.covered()) {
          if (r.shadowed() || c.field().kind() != Shadowing.Kind.ENV || overriddenChecked >= 6) {
            continue;
          }
          before = before != null ? before : outcomes(Engines.ruleBase(full));
          String without = yaml(gens, -1, order, c.field().index());
          assertEquals(before, outcomes(Engines.ruleBase(without)), "overridden:\n" + full + c);
          overriddenChecked++;
        }
      }
    }
    assertTrue(shadowedChecked >= 6, "generated shadowed profiles: " + shadowedChecked);
    assertTrue(overriddenChecked >= 6, "generated overridden fields: " + overriddenChecked);
  }
}
