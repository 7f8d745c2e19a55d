package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyReloaderTest {
  static PolicyReloader.Input input(String value) {
    return new PolicyReloader.Input(
        List.of(
            new ConfigSource(
                "cm", "profiles:\n- name: p\n  env: [{name: V, value: '" + value + "'}]\n")),
        Engines.builtinRules(),
        List.of(new PolicyReloader.SourceVersion("cm", value)),
        List.of());
  }

  static String v(DecisionEngine engine) {
    return engine.decide(new SpawnRequest("u", List.of(), null, null)).env().stream()
        .filter(e -> e.getName().equals("V"))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  @Test
  void aBurstOfChangesEndsOnTheLastOneWithFewerBuildsThanChanges() throws Exception {
    DecisionEngine engine = new DecisionEngine(null);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (PolicyReloader r =
        new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC())) {
      for (int i = 0; i < 30; i++) {
        r.submit(input("v" + i));
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((engine.ruleBaseOrNull() == null || !v(engine).equals("v29"))
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals("v29", v(engine));
      assertEquals(List.of(new PolicyReloader.SourceVersion("cm", "v29")), r.status().from());
      assertTrue(r.status().applied() < 30, "builds: " + r.status().applied());
    }
  }

  @Test
  void aRejectedChangeKeepsTheRuleBaseAndTheSameContentIsNotRebuilt() {
    DecisionEngine engine = new DecisionEngine(null);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (PolicyReloader r =
        new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC())) {
      assertTrue(r.applyNow(input("a")));
      RuleBase good = engine.ruleBase();
      assertEquals(
          RuleBaseBuilder.revision(input("a").profiles(), input("a").rules()),
          good.revision(),
          "the revision the reloader computed first is the rule base's");
      PolicyReloader.Input bad =
          new PolicyReloader.Input(
              List.of(new ConfigSource("cm", "profiles: [{name: p, gpu: lots}]\n")),
              Engines.builtinRules(),
              List.of(new PolicyReloader.SourceVersion("cm", "b")),
              List.of());
      assertFalse(r.applyNow(bad));
      assertSame(good, engine.ruleBase());
      assertEquals("cm", r.status().lastRejected().problems().get(0).source());
      assertFalse(r.applyNow(bad));
      assertEquals(1, r.status().rejected(), "the same bad content is refused once, not re-logged");
      assertTrue(r.applyNow(input("a")));
      assertSame(good, engine.ruleBase(), "the same content keeps the same rule base");
      assertEquals(1, r.status().applied());
      assertEquals(
          1.0, meters.get("hubpolicy.config.reloads").tag("result", "rejected").counter().count());
    }
  }

  /** A reload hands the builder the revision it computed, instead of digesting everything again. */
  @Test
  void theBuilderTakesARevisionGivenAndComputesItOtherwise() {
    PolicyReloader.Input in = input("x");
    RuleBaseBuilder builder = new RuleBaseBuilder();
    assertEquals("given", builder.check(in.profiles(), in.rules(), "given").ruleBase().revision());
    assertEquals(
        RuleBaseBuilder.revision(in.profiles(), in.rules()),
        builder.check(in.profiles(), in.rules()).ruleBase().revision());
  }

  @Test
  void beforeAnyConfigurationThereIsNoRuleBase() {
    DecisionEngine engine = new DecisionEngine(null);
    assertNull(engine.ruleBaseOrNull());
    org.junit.jupiter.api.Assertions.assertThrows(NoRuleBaseException.class, () -> v(engine));
  }
}
