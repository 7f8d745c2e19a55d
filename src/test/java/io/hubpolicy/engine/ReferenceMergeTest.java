package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The engine and the plain reference loop agree on every request of generated workloads. */
class ReferenceMergeTest {
  @ParameterizedTest(name = "{0} profiles, seed {1}")
  @CsvSource({"10, 1", "100, 2", "1000, 3", "1000, 4"})
  void engineAgreesWithReferenceLoop(int profiles, long seed) {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, 300, seed);
    RuleBase rb =
        new RuleBaseBuilder()
            .build(List.of(new ConfigSource("generated.yaml", w.yaml())), Engines.builtinRules());
    assertEquals(profiles, rb.config().profiles().size());
    int matchedSomething = 0;
    for (SpawnRequest r : w.requests()) {
      Decision d = DecisionEngine.decide(r, rb);
      ReferenceMerge.Result ref = ReferenceMerge.decide(rb.config(), r);
      assertEquals(ref.profiles(), d.profiles(), () -> "profiles for " + r);
      Map<String, String> env = new LinkedHashMap<>();
      for (EnvVar e : d.env()) {
        env.put(e.getName(), e.getValue());
      }
      assertEquals(ref.env(), env, () -> "env (values and order) for " + r);
      Map<String, String> resources = new LinkedHashMap<>();
      d.resources().getRequests().forEach((k, v) -> resources.put("requests." + k, v.toString()));
      d.resources().getLimits().forEach((k, v) -> resources.put("limits." + k, v.toString()));
      Map<String, String> refResources = new LinkedHashMap<>();
      ref.resources().forEach((k, v) -> refResources.put(k, v.toString()));
      assertEquals(
          new java.util.TreeMap<>(refResources),
          new java.util.TreeMap<>(resources),
          () -> "resources for " + r);
      if (d.profiles().size() > 1) {
        matchedSomething++;
      }
    }
    // The workload must exercise overriding, or agreement proves little.
    assertTrue(matchedSomething > 0, "no request matched more than one profile");
  }
}
