package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reload that changes only profiles reuses the compiled rules (profiles are facts); one that
 * changes the rules compiles them again, and a broken rule is still reported after a good build.
 */
class CompiledRulesReuseTest {
  static List<ConfigSource> profiles(String value) {
    return List.of(
        new ConfigSource(
            "p.yaml",
            "profiles:\n- name: everyone\n  env:\n  - name: V\n    value: '" + value + "'\n"));
  }

  static String env(RuleBase rb) {
    return DecisionEngine.decide(new SpawnRequest("u", List.of(), null, null), rb).env().stream()
        .filter(e -> e.getName().equals("V"))
        .map(e -> e.getValue())
        .findFirst()
        .orElse(null);
  }

  @Test
  void aProfileChangeKeepsTheCompiledRulesAndDecidesOnTheNewProfiles() {
    RuleBaseBuilder builder = new RuleBaseBuilder();
    RuleBase first = builder.build(profiles("one"), Engines.builtinRules());
    RuleBase second = builder.build(profiles("two"), Engines.builtinRules());
    assertSame(first.kieBase(), second.kieBase(), "the same rules are not compiled again");
    assertFalse(first.revision().equals(second.revision()));
    assertEquals("one", env(first));
    assertEquals("two", env(second));
    assertEquals("one", env(first), "the older rule base still decides on its own profiles");
  }

  @Test
  void aRuleChangeCompilesAgainAndABrokenRuleIsStillAProblem() {
    RuleBaseBuilder builder = new RuleBaseBuilder();
    RuleBase first = builder.build(profiles("one"), Engines.builtinRules());
    List<RuleSource> more = new ArrayList<>(Engines.builtinRules());
    more.add(new RuleSource("extra.drl", "package extra;\nrule \"nothing\"\nwhen\nthen\nend\n"));
    RuleBase second = builder.build(profiles("one"), more);
    assertNotSame(first.kieBase(), second.kieBase());
    assertEquals("one", env(second));

    List<RuleSource> broken = new ArrayList<>(Engines.builtinRules());
    broken.add(new RuleSource("broken.drl", "package broken;\nrule \"x\" when then oops end\n"));
    RuleBaseBuilder.Report report = builder.check(profiles("one"), broken);
    assertTrue(
        report.problems().stream().anyMatch(p -> p.source().equals("broken.drl")),
        report.problems().toString());
    // The last good compile is still the one reused for the rules it was made from.
    assertSame(second.kieBase(), builder.build(profiles("two"), more).kieBase());
  }
}
