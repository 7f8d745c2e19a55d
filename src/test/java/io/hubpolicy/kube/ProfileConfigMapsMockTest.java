package io.hubpolicy.kube;

import static io.hubpolicy.kube.MockKube.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.NoRuleBaseException;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProfileConfigMapsMockTest {
  static final String NS = "jupyterhub";

  MockKube kube;
  DecisionEngine engine;
  SimpleMeterRegistry meters;
  PolicyReloader reloader;
  ProfileConfigMaps watcher;

  @BeforeEach
  void setUp() {
    kube = MockKube.start();
    startHubpolicy();
  }

  void startHubpolicy() {
    engine = new DecisionEngine(null);
    meters = new SimpleMeterRegistry();
    reloader = new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC());
    watcher =
        new ProfileConfigMaps(
            kube.client,
            ProfileConfigMaps.Where.defaults(NS).withRulesFromConfigMaps(true),
            Engines.builtinRules(),
            reloader);
  }

  @AfterEach
  void tearDown() {
    kube.close(watcher, reloader);
  }

  static ConfigMap profiles(String name, boolean labelled, String yaml) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withLabels(labelled ? Map.of("jupyterhub", "singleuser-profiles") : Map.of())
        .endMetadata()
        .addToData("jupyterhub-singleuser-profiles.yaml", yaml)
        .build();
  }

  static String envProfile(String name, String var, String value) {
    return "profiles:\n- name: "
        + name
        + "\n  env:\n  - {name: "
        + var
        + ", value: '"
        + value
        + "'}\n";
  }

  void put(ConfigMap cm) {
    kube.client.configMaps().inNamespace(NS).resource(cm).createOr(r -> r.update());
  }

  String env(String var) {
    Decision d = engine.decide(new SpawnRequest("ana", List.of(), "minimal:1", null));
    return d.env().stream()
        .filter(e -> e.getName().equals(var))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  String revision() {
    RuleBase rb = engine.ruleBaseOrNull();
    return rb == null ? null : rb.revision();
  }

  double counted(String result) {
    return meters.get("hubpolicy.config.reloads").tag("result", result).counter().count();
  }

  @Test
  void namedConfigMapFirstThenLabelledOnesInNameOrderAndTheLastMatchWins() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "named")));
    // Created out of name order: the load order must not depend on creation order.
    put(profiles("zz-team", true, envProfile("team", "WHO", "zz-team")));
    put(
        profiles(
            "aa-site",
            true,
            envProfile("site", "WHO", "aa-site") + "- name: site2\n  env: {SITE: 'yes'}\n"));
    put(profiles("unrelated", false, envProfile("ignored", "WHO", "unrelated")));
    watcher.start();

    await("the first configuration", () -> revision() != null);
    assertEquals("zz-team", env("WHO"), "the last ConfigMap in name order wins");
    assertEquals("yes", env("SITE"));
    Decision d = engine.decide(new SpawnRequest("ana", List.of(), null, null));
    assertEquals(List.of("base", "site", "site2", "team"), d.profiles());
    assertEquals(
        List.of(
            "configmap/jupyterhub/jupyter-singleuser-profiles",
            "configmap/jupyterhub/aa-site",
            "configmap/jupyterhub/zz-team"),
        reloader.status().from().stream().map(PolicyReloader.SourceVersion::source).toList());
    assertTrue(reloader.status().from().stream().allMatch(v -> v.version() != null));
  }

  @Test
  void aWatchedChangeReachesDecisionsWithoutRestart() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "v1")));
    watcher.start();
    await("v1", () -> "v1".equals(revision() == null ? null : env("WHO")));
    String first = revision();

    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "v2")));
    await("v2 served", () -> "v2".equals(env("WHO")));
    assertNotEquals(first, revision());
    assertEquals(2.0, counted("applied"));

    put(profiles("b-later", true, envProfile("later", "WHO", "v3")));
    await("a new labelled ConfigMap is taken", () -> "v3".equals(env("WHO")));
  }

  @Test
  void aBrokenChangeIsRejectedWhileTheLastGoodRevisionServesThenAFixIsTaken() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "good")));
    put(profiles("team", true, envProfile("team", "TEAM", "t1")));
    watcher.start();
    await("the good configuration", () -> revision() != null);
    String good = revision();

    // An unknown key on line 3 of the labelled ConfigMap.
    put(profiles("team", true, "profiles:\n- name: team\n  enviroment: {TEAM: t2}\n"));
    await("the rejection", () -> reloader.status().lastRejected() != null);
    PolicyReloader.Rejected r = reloader.status().lastRejected();
    assertEquals(good, revision(), "the last good revision keeps serving");
    assertEquals("t1", env("TEAM"));
    assertEquals(1.0, counted("rejected"));
    String problem = r.problems().get(0).toString();
    assertTrue(
        problem.startsWith(
            "configmap/jupyterhub/team/jupyterhub-singleuser-profiles.yaml:3: profiles[0].enviroment"),
        problem);
    assertTrue(r.from().stream().anyMatch(v -> v.source().equals("configmap/jupyterhub/team")));

    // Invalid YAML in the other ConfigMap: still rejected, still serving.
    put(profiles("jupyter-singleuser-profiles", false, "profiles: [\n"));
    await("the second rejection", () -> counted("rejected") == 2.0);
    assertEquals(good, revision());

    // Fixing one of two broken ConfigMaps is still a rejection.
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "good")));
    await("the third rejection", () -> counted("rejected") == 3.0);
    assertEquals(good, revision());

    // A policy rule that does not compile, shipped in a ConfigMap.
    ConfigMap bad = profiles("team", true, envProfile("team", "TEAM", "t1"));
    bad.getData().put("policy.drl", "package p;\nrule \"broken\"\nwhen\n  Nope()\nthen\nend\n");
    put(bad);
    await("the DRL rejection", () -> counted("rejected") == 4.0);
    assertEquals(good, revision());
    assertTrue(
        reloader.status().lastRejected().problems().get(0).source().endsWith("team/policy.drl"),
        reloader.status().lastRejected().problems().toString());

    put(profiles("team", true, envProfile("team", "TEAM", "t3")));
    await("the fix is taken", () -> "t3".equals(env("TEAM")));
    assertNotEquals(good, revision());
  }

  @Test
  void rulesInConfigMapsAreIgnoredWithANoteUnlessTurnedOn() {
    watcher =
        new ProfileConfigMaps(
            kube.client, ProfileConfigMaps.Where.defaults(NS), Engines.builtinRules(), reloader);
    ConfigMap cm = profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "x"));
    cm.getData()
        .put(
            "deny.drl",
            "package p;\nimport io.hubpolicy.engine.facts.Outcome;\n"
                + "rule \"deny all\" when $o : Outcome() then modify($o){ deny(\"no\") } end\n");
    put(cm);
    watcher.start();
    await("loaded", () -> revision() != null);
    assertTrue(engine.decide(new SpawnRequest("ana", List.of(), null, null)).allowed());
    assertTrue(
        reloader.status().notes().stream().anyMatch(n -> n.contains("deny.drl")),
        reloader.status().notes().toString());
  }

  @Test
  void deletingALabelledConfigMapRemovesItsProfiles() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "base")));
    put(profiles("team", true, envProfile("team", "WHO", "team")));
    watcher.start();
    await("both loaded", () -> revision() != null && "team".equals(env("WHO")));

    kube.client.configMaps().inNamespace(NS).withName("team").delete();
    await("the deletion", () -> "base".equals(env("WHO")));
    assertEquals(1, reloader.status().from().size());
  }

  @Test
  void anEmptyOrMissingKeyIsSkippedWithANoteNotAnError() {
    put(
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("jupyter-singleuser-profiles")
            .withNamespace(NS)
            .endMetadata()
            .addToData("other", "x")
            .build());
    put(profiles("team", true, envProfile("team", "WHO", "team")));
    watcher.start();
    await("loaded", () -> revision() != null);
    assertEquals("team", env("WHO"));
    assertTrue(
        reloader.status().notes().stream().anyMatch(n -> n.contains("jupyter-singleuser-profiles")),
        reloader.status().notes().toString());
  }

  @Test
  void decisionsNeverCallTheApiServer() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "x")));
    watcher.start();
    await("loaded", () -> revision() != null);
    int before = kube.requestCount();
    for (int i = 0; i < 200; i++) {
      assertEquals("x", env("WHO"));
    }
    assertEquals(before, kube.requestCount(), "200 decisions made API requests");
  }

  @Test
  void aDecisionInFlightFinishesOnTheRuleBaseItStartedWith() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "old")));
    watcher.start();
    await("loaded", () -> revision() != null);
    RuleBase started = engine.ruleBase();
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "new")));
    await("swapped", () -> !started.revision().equals(revision()));
    Decision d = DecisionEngine.decide(new SpawnRequest("ana", List.of(), null, null), started);
    assertEquals(started.revision(), d.revision());
    assertTrue(d.env().contains(new EnvVar("WHO", "old", null)));
  }

  @Test
  void anUnreachableApiServerIsRetriedAndTheConfigurationLoadsWhenItComesBack() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    kube.close(watcher);
    kube = MockKube.startOnLater(port);
    startHubpolicy();
    var synced = watcher.start();
    Thread.sleep(1500); // the informers are failing and retrying now
    assertNull(revision());
    assertThrows(NoRuleBaseException.class, () -> env("WHO"));
    assertFalse(synced.toCompletableFuture().isDone());

    kube.startNow();
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "late")));
    await("loaded after the outage", java.time.Duration.ofSeconds(60), () -> revision() != null);
    await("the late ConfigMap", () -> "late".equals(env("WHO")));
  }

  @Test
  void anOutageAfterLoadingNeverStopsDecisions() {
    put(profiles("jupyter-singleuser-profiles", false, envProfile("base", "WHO", "x")));
    watcher.start();
    await("loaded", () -> revision() != null);
    kube.server.destroy();
    for (int i = 0; i < 50; i++) {
      assertEquals("x", env("WHO"));
    }
  }
}
