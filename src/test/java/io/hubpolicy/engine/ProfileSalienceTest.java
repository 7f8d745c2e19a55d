package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FiredRule;
import java.util.List;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.junit.jupiter.api.Test;

/** The merge rule's salience, read in Java: the same values and order MVEL gave. */
class ProfileSalienceTest {
  @Test
  void everyBuiltRuleBaseHasItAndProfilesFireInConfigurationOrder() {
    RuleBase rb =
        Engines.ruleBase(
            """
            profiles:
            - {name: c, env: [{name: X, value: c}]}
            - {name: a, env: [{name: X, value: a}]}
            - {name: b, env: [{name: X, value: b}]}
            """);
    RuleImpl rule = (RuleImpl) rb.kieBase().getRule(ProfileSalience.PACKAGE, ProfileSalience.RULE);
    assertInstanceOf(ProfileSalience.class, rule.getSalience());
    Decision d = Engines.decide(rb, "ana", null, null);
    List<FiredRule> merge =
        d.firedRules().stream().filter(r -> r.rule().equals(ProfileSalience.RULE)).toList();
    assertEquals(
        List.of(
            new FiredRule(ProfileSalience.RULE, 1_000_000, "c"),
            new FiredRule(ProfileSalience.RULE, 999_999, "a"),
            new FiredRule(ProfileSalience.RULE, 999_998, "b")),
        merge);
    assertEquals("b", d.env().get(0).getValue(), "the last match wins");
  }

  @Test
  void aKieBaseWithoutTheMergeRuleIsRefused() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> ProfileSalience.install(KnowledgeBaseFactory.newKnowledgeBase()));
    assertTrue(e.getMessage().contains(ProfileSalience.RULE), e.getMessage());
  }
}
