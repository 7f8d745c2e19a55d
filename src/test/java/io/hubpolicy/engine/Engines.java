package io.hubpolicy.engine;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helper: a rule base from YAML text, the repo's built-in rules and optional extra DRL. */
public final class Engines {
  private Engines() {}

  public static List<RuleSource> builtinRules() {
    List<Problem> problems = new ArrayList<>();
    List<RuleSource> rules = RuleSource.fromPaths(List.of(Path.of("rules")), problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(problems.toString());
    }
    return rules;
  }

  /**
   * A policy rule whose consequence throws {@code "boom in rule"}: how edges report a failing rule.
   */
  public static final String FAILING_RULE =
      """
      package test.broken;
      import io.hubpolicy.engine.facts.Outcome;
      rule "Broken policy"
      when
          $o : Outcome()
      then
          throw new IllegalArgumentException("boom in rule");
      end
      """;

  public static RuleBase ruleBase(String yaml, String... extraDrl) {
    List<RuleSource> rules = new ArrayList<>(builtinRules());
    for (int i = 0; i < extraDrl.length; i++) {
      rules.add(new RuleSource("policy-" + i + ".drl", extraDrl[i]));
    }
    return new RuleBaseBuilder().build(List.of(new ConfigSource("test.yaml", yaml)), rules);
  }

  public static Decision decide(
      RuleBase rb, String user, String image, String size, String... groups) {
    return DecisionEngine.decide(new SpawnRequest(user, List.of(groups), image, size), rb);
  }
}
