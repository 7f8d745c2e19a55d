package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.Warning;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Warn mode ({@code @warn} on a rule: its denial or cap is recorded, the spawn goes ahead unchanged
 * by it) and time-limited exceptions ({@code exceptions:}: the named rules do not act for those
 * users until a date), asserting the fired rules as {@code rules/tests} cases do.
 */
class WarnAndExceptionsTest {
  static final String DRL =
      """
      package test.rollout;
      import io.hubpolicy.engine.facts.Outcome;
      import io.hubpolicy.engine.facts.Spawn;

      rule "Interns get at most 2Gi" @warn
      when
          Spawn( groups contains "interns" )
          $o : Outcome()
      then
          $o.capResource("limits.memory", "2Gi");
      end

      rule "Guests are refused" @warn
      when
          Spawn( groups contains "guests" )
          $o : Outcome()
      then
          $o.deny("guests may not start servers");
      end

      rule "Mallory is suspended"
      when
          Spawn( user == "mallory" || user == "bob" )
          $o : Outcome()
      then
          $o.deny("suspended; ask the hub admins");
      end
      """;

  static final String CONFIG =
      """
      profiles:
      - name: everyone
        resources: {limits: {memory: 4Gi}}
      exceptions:
      - name: mallory demo day
        users: [mallory]
        rules: [Mallory is suspended]
        until: 2999-12-31
        reason: presents at the demo day, approved by the admins
      - name: bob's old exception
        groups: [bobs]
        rules: [Mallory is suspended]
        until: 2020-01-31T18:00:00Z
        reason: long over
      """;

  static final RuleBase RB = Engines.ruleBase(CONFIG, DRL);

  static List<String> fired(Decision d) {
    return d.firedRules().stream().map(FiredRule::rule).toList();
  }

  @Test
  void aWarnModeCapIsRecordedAndDoesNotAct() {
    Decision d = Engines.decide(RB, "ivan", null, null, "interns");
    assertTrue(fired(d).contains("Interns get at most 2Gi"), fired(d).toString());
    assertEquals("4Gi", d.resources().getLimits().get("memory").toString(), "unchanged by it");
    assertEquals(
        List.of(
            new Warning("Interns get at most 2Gi", "would cap limits.memory at 2Gi (it is 4Gi)")),
        d.warnings());
    assertTrue(d.allowed());
    assertEquals(List.of(), d.exceptions());
  }

  @Test
  void aWarnModeDenialLetsTheSpawnGoAheadAndSaysWhy() {
    Decision d = Engines.decide(RB, "gus", null, null, "guests");
    assertTrue(d.allowed(), d.reasons().toString());
    assertEquals(
        List.of(new Warning("Guests are refused", "guests may not start servers")), d.warnings());
    JsonNode json = DecisionJson.toJson(d, null, DecisionJson.Explain.NONE);
    assertEquals("Guests are refused", json.get("warnings").get(0).get("rule").asString());
    JsonNode line = DecisionJson.auditLine(d, "2026-12-03T00:00:00Z");
    assertEquals(
        "guests may not start servers",
        line.get("result").get("warnings").get(0).get("reason").asString());
  }

  @Test
  void withoutTheMarkerTheSameRuleActs() {
    Decision d = Engines.decide(RB, "eve", null, null);
    assertTrue(d.allowed());
    assertEquals(List.of(), d.warnings(), "no rule matched: no warning");
    Decision bob = Engines.decide(RB, "bob", null, null, "bobs");
    assertFalse(bob.allowed(), "the expired exception has no effect");
    assertEquals(List.of("suspended; ask the hub admins"), bob.reasons());
    assertEquals(List.of(), bob.exceptions());
  }

  @Test
  void anActiveExceptionKeepsTheRuleFromActingAndIsListed() {
    Decision d = Engines.decide(RB, "mallory", null, null);
    assertTrue(fired(d).contains("Mallory is suspended"), "the rule fired: " + fired(d));
    assertTrue(d.allowed(), d.reasons().toString());
    assertEquals(1, d.exceptions().size());
    assertEquals("mallory demo day", d.exceptions().get(0).name());
    JsonNode json = DecisionJson.toJson(d, null, DecisionJson.Explain.NONE);
    JsonNode e = json.get("exceptions").get(0);
    assertEquals("presents at the demo day, approved by the admins", e.get("reason").asString());
    assertEquals("3000-01-01T00:00:00Z", e.get("until").asString(), "through the date, UTC");
    assertEquals("test.yaml:5", e.get("source").asString());
  }

  @Test
  void anExceptionNamingNoRuleIsALoadErrorWithItsLine() {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                Engines.ruleBase(
                    CONFIG.replace(
                        "[Mallory is suspended]\n  until: 2999",
                        "[Malory is suspended]\n  until: 2999"),
                    DRL));
    assertTrue(e.getMessage().contains("test.yaml:5"), e.getMessage());
    assertTrue(e.getMessage().contains("no rule is named 'Malory is suspended'"), e.getMessage());
  }

  @Test
  void badEntriesAreLoadErrors() {
    for (String[] bad :
        new String[][] {
          {"until: 2999-12-31", "until: next week", "not a date"},
          {"users: [mallory]", "users: []", "names no users and no groups"},
          {"reason: presents", "reasn: presents", "reasn"},
        }) {
      InvalidConfigException e =
          assertThrows(
              InvalidConfigException.class,
              () -> Engines.ruleBase(CONFIG.replace(bad[0], bad[1]), DRL),
              bad[1]);
      assertTrue(e.getMessage().contains(bad[2]), e.getMessage());
      assertTrue(e.getMessage().contains("test.yaml:"), e.getMessage());
    }
  }
}
