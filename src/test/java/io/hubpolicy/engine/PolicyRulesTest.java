package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What policy authors' own DRL can do, and how it fails. */
class PolicyRulesTest {
  static final String HEADER =
      """
      package hubpolicy.test;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;
      """;

  @Test
  void aCompileErrorNamesTheFileAndLine() {
    List<RuleSource> rules = new ArrayList<>(Engines.builtinRules());
    rules.add(
        new RuleSource(
            "policy/broken.drl",
            HEADER
                + """

                rule "Broken"
                when
                    $o : Outcome( nosuchfield == 1 )
                then
                    $o.deny("x");
                end
                """));
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new RuleBaseBuilder()
                    .build(List.of(new ConfigSource("p.yaml", "profiles: []")), rules));
    Problem p = e.problems().get(0);
    assertEquals("policy/broken.drl", p.source());
    assertEquals(7, p.line());
    assertTrue(p.message().contains("nosuchfield"), p.message());
  }

  @Test
  void aSyntaxErrorNamesTheFileAndLine() {
    List<RuleSource> rules =
        List.of(new RuleSource("policy/syntax.drl", HEADER + "rule \"x\" when then end end\n"));
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new RuleBaseBuilder()
                    .build(List.of(new ConfigSource("p.yaml", "profiles: []")), rules));
    assertEquals("policy/syntax.drl", e.problems().get(0).source());
    assertEquals(4, e.problems().get(0).line());
  }

  @Test
  void profileAndRuleProblemsAreReportedTogether() {
    RuleBaseBuilder.Report r =
        new RuleBaseBuilder()
            .check(
                List.of(new ConfigSource("p.yaml", "profiles:\n- name: x\n  imagez: []\n")),
                List.of(new RuleSource("bad.drl", "rule")));
    assertTrue(r.problems().stream().anyMatch(p -> p.source().equals("p.yaml") && p.line() == 3));
    assertTrue(r.problems().stream().anyMatch(p -> p.source().equals("bad.drl")));
  }

  @Test
  void aDenialKeepsGoingAndCollectsEveryReason() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles: [{name: all}]",
            HEADER
                + """
                rule "No bob" salience 10 when Spawn( user == "bob" ) $o : Outcome() then modify($o) { deny("bob is blocked") } end
                rule "No root" when Spawn( user == "bob" ) $o : Outcome() then modify($o) { deny("also no root") } end
                """);
    Decision d = Engines.decide(rb, "bob", null, null);
    assertFalse(d.allowed());
    assertEquals(List.of("bob is blocked", "also no root"), d.reasons());
    assertEquals("No root", d.fields().get("allowed").setBy().rule());
    assertTrue(Engines.decide(rb, "alice", null, null).allowed());
  }

  @Test
  void aRuleThatNeverSettlesIsStoppedWithItsName() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles: []",
            HEADER
                + """
                rule "Ping pong" when $o : Outcome( cpuLimitMillis < 1000000 ) then
                  modify($o) { setResource("limits.cpu", String.valueOf(($o.getCpuLimitMillis() % 7) + 1) + "m") }
                end
                """);
    DecisionEngine.RulesDidNotSettleException e =
        assertThrows(
            DecisionEngine.RulesDidNotSettleException.class,
            () -> Engines.decide(rb, "u", null, null));
    assertTrue(e.getMessage().contains("'Ping pong'"), e.getMessage());
  }

  @Test
  void aRuleThatThrowsFailsTheDecisionWithAReadableMessage() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles: []",
            HEADER
                + """
                rule "Bad quantity" when $o : Outcome() then modify($o) { setResource("limits.memory", "lots") } end
                """);
    DecisionEngine.RuleFailedException e =
        assertThrows(
            DecisionEngine.RuleFailedException.class, () -> Engines.decide(rb, "u", null, null));
    assertTrue(e.getMessage().contains("'lots' is not a Kubernetes quantity"), e.getMessage());
  }

  @Test
  void aRuleSettingANegativeQuantityFailsTheDecisionNamingTheRule() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles: []",
            HEADER
                + """
                rule "Negative cpu" when $o : Outcome() then modify($o) { capResource("limits.cpu", "-1") } end
                """);
    DecisionEngine.RuleFailedException e =
        assertThrows(
            DecisionEngine.RuleFailedException.class, () -> Engines.decide(rb, "u", null, null));
    assertTrue(e.getMessage().contains("rule 'Negative cpu' failed"), e.getMessage());
    assertTrue(
        e.getMessage().contains("'-1' is negative, which Kubernetes refuses (for limits.cpu)"),
        e.getMessage());
  }
}
