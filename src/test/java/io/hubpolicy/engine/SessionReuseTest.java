package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.workload.WorkloadGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.kie.api.runtime.KieSession;

/**
 * Decisions run on pooled sessions (a KieSessionsPool per rule base): nothing of one decision may
 * be visible in the next, whatever ran before on the same session or concurrently on others.
 */
class SessionReuseTest {
  /** What a decision says, without its id. */
  static String gist(Decision d) {
    return d.allowed()
        + " "
        + d.profiles()
        + " "
        + d.env()
        + " "
        + d.resources()
        + " "
        + d.firedRules().stream().map(f -> f.rule() + "@" + f.salience()).toList();
  }

  @Test
  void aReusedSessionStartsEmptyEveryTime() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles:\n"
                + "- name: ana only\n  users: [ana]\n  env: [{name: ONLY_ANA, value: 'x'}]\n"
                + "sizes:\n- name: Small\n  resources: {limits: {memory: 1Gi}}\n");
    String first = gist(Engines.decide(rb, "bob", null, null));
    String ana = gist(Engines.decide(rb, "ana", null, "Small"));
    String again = gist(Engines.decide(rb, "bob", null, null));
    // bob after ana: no ana profile, no size, no extra firings (e.g. a listener left behind).
    assertEquals(first, again);
    assertFalse(again.contains("ONLY_ANA"), again);
    assertEquals(ana, gist(Engines.decide(rb, "ana", null, "Small")));
    // A listener left on a pooled session would keep its decision alive and run on every later
    // one: the session the pool hands out next carries none of them.
    KieSession next = rb.newSession();
    try {
      assertEquals(
          List.of(),
          next.getAgendaEventListeners().stream().filter(l -> l instanceof AuditListener).toList());
      assertEquals(0, next.getFactCount());
    } finally {
      next.dispose();
    }
  }

  @Test
  void concurrentDecisionsGiveWhatOneThreadGives() throws Exception {
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(300, 400, 3);
    RuleBase rb =
        new RuleBaseBuilder()
            .build(List.of(new ConfigSource("w.yaml", w.yaml())), Engines.builtinRules());
    List<String> expected = new ArrayList<>();
    for (SpawnRequest r : w.requests()) {
      expected.add(gist(DecisionEngine.decide(r, rb)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(
            pool.submit(
                () -> {
                  List<String> got = new ArrayList<>();
                  for (SpawnRequest r : w.requests()) {
                    got.add(gist(DecisionEngine.decide(r, rb)));
                  }
                  return got;
                }));
      }
      for (Future<List<String>> f : runs) {
        assertEquals(expected, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
