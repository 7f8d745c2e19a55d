package io.hubpolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Quantities;
import io.hubpolicy.model.SafeNames;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ProfileLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The defects of jupyterhub-singleuser-profiles listed in shared/notes/old-system.md that the
 * decision core is responsible for, one test each. The Kubernetes adapter's are tested beside it:
 *
 * <ul>
 *   <li>1, preferences grant privileges: {@code kube.PreferencesMockTest
 *       .thePrivilegeEscalationOfTheOldSystemIsRefusedKeyByKey} and {@code
 *       preferencesWrittenByTheOldSystemWithProfileKeysGrantNothing};
 *   <li>3, schedulability crashes and mixed units: {@code kube.SchedulabilityTest};
 *   <li>8, ConfigMaps re-read on every spawn: {@code
 *       kube.ProfileConfigMapsMockTest.decisionsNeverCallTheApiServer};
 *   <li>9 in a cluster, one malformed ConfigMap fails every spawn: {@code
 *       kube.ProfileConfigMapsMockTest.aBrokenChangeIsRejectedWhileTheLastGoodRevisionServesThenAFixIsTaken};
 *   <li>11, an ImageStream without tags breaks everything: {@code
 *       kube.NotebookImagesTest.streamWithoutTagsOrImportsIsSkippedWithAWarning}, {@code
 *       zeroStreamsIsAnEmptyCatalog};
 *   <li>10, a service template without {@code metadata.labels} crashed: here, and against the mock
 *       API server in {@code services.ServicesMockTest
 *       .compatSparkTemplatesCreateASparkClusterAndAServiceNamedLabelledAndOwned}.
 *   <li>12, TLS verification turned off: {@code kube.ClientTlsMockTest} (the Kubernetes client) and
 *       the hub hook's tests (it verifies hubpolicy's certificate); the unsafe YAML loader: here;
 *   <li>13, a Secret handed to any authenticated user: {@code
 *       cli.ServeKubeMockTest.defect13_noEndpointHandsOutASecretsValue}, and {@code
 *       api.HttpAuthTest} for the token every {@code /v1} endpoint wants.
 * </ul>
 */
class OldSystemDefectsTest {
  private static final Pod POD =
      new PodBuilder()
          .withNewMetadata()
          .withName("jupyter-vpavlin")
          .endMetadata()
          .withNewSpec()
          .addNewContainer()
          .withName("notebook")
          .withImage("nb:1")
          .addNewEnv()
          .withName("A")
          .withValue("from-hub")
          .endEnv()
          .endContainer()
          .endSpec()
          .build();

  @Test
  void defect2_aProfileWithoutResourcesFollowedByOneWithResourcesMerges() {
    RuleBase rb =
        Engines.ruleBase("- name: none\n- name: some\n  resources: {limits: {memory: 1Gi}}\n");
    assertEquals(
        "1Gi",
        Engines.decide(rb, "u", null, null).resources().getLimits().get("memory").toString());
  }

  @Test
  void defect3_memoryArithmeticKeepsDecimalAndBinaryUnitsApart() {
    assertEquals(2_000_000_000L, Quantities.bytes(new Quantity("2G")));
    assertEquals(2L << 30, Quantities.bytes(new Quantity("2Gi")));
    assertEquals(1L << 40, Quantities.bytes(new Quantity("1Ti")));
    assertEquals(1500, Quantities.millis(new Quantity("1.5")));
  }

  @Test
  void defect4_gpuSettingsNeverGoToThePodSecurityContext() {
    RuleBase rb =
        Engines.ruleBase(
            "profiles: [{name: g, gpu: 1}]\ngpuTypes: [{type: default, node_tolerations: [{key: gpu, operator: Exists}]}]\n");
    Pod out = new PodMutator().apply(POD, Engines.decide(rb, "u", null, null)).pod();
    assertNull(out.getSpec().getSecurityContext());
    assertEquals(
        "1",
        out.getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getLimits()
            .get("nvidia.com/gpu")
            .toString());
    assertEquals("gpu", out.getSpec().getTolerations().get(0).getKey());
  }

  @Test
  void defect5_aVariableAppearsOnceInThePodWhoeverSetsIt() {
    RuleBase rb =
        Engines.ruleBase("- name: a\n  env: {A: one}\n- name: b\n  env: [{name: A, value: two}]\n");
    Decision d = Engines.decide(rb, "u", null, null);
    List<EnvVar> env =
        new PodMutator().apply(POD, d).pod().getSpec().getContainers().get(0).getEnv();
    assertEquals(1, env.stream().filter(e -> e.getName().equals("A")).count());
    assertEquals(
        "two",
        env.stream().filter(e -> e.getName().equals("A")).findFirst().orElseThrow().getValue());
  }

  @Test
  void defect6_memLimitOfAFractionalQuantityIsWholeBytes() {
    RuleBase rb = Engines.ruleBase("profiles: [{name: m, resources: {limits: {memory: 1.5Gi}}}]");
    Decision d = Engines.decide(rb, "u", null, null);
    assertEquals(
        "1610612736",
        d.env().stream()
            .filter(e -> e.getName().equals("MEM_LIMIT"))
            .findFirst()
            .orElseThrow()
            .getValue());
  }

  @Test
  void defect7_userLabelsAreValidLabelValuesAndShort() {
    assertEquals("Vpavlin", SafeNames.labelValue("Vpavlin"));
    for (String user :
        List.of("Vpavlin", "user@email.com", "üser", "x".repeat(100), "-a-", "a..b")) {
      String label = SafeNames.labelValue(user);
      assertTrue(
          SafeNames.isValidLabelValue(label) && !label.isEmpty() && label.length() <= 63,
          user + " → " + label);
      assertTrue(SafeNames.isValidObjectName(SafeNames.safeSlug(user)), user);
    }
  }

  @Test
  void defect9_aTopLevelListIsReadAndABrokenSourceIsReportedNotFatalForOthers() {
    ProfileLoader.Result r =
        new ProfileLoader()
            .read(
                List.of(
                    new ConfigSource("list.yaml", "- name: legacy\n  env: {A: b}\n"),
                    new ConfigSource("broken.yaml", "profiles: {name: not-a-list}\n"),
                    new ConfigSource("good.yaml", "profiles: [{name: good}]\n")));
    assertEquals(
        List.of("legacy", "good"), r.config().profiles().stream().map(p -> p.name()).toList());
    Problem p = r.problems().get(0);
    assertEquals("broken.yaml", p.source());
    assertEquals("profiles", p.field());
    assertEquals(1, r.problems().size());
  }

  @Test
  void defect12_yamlTagsNeverInstantiateClasses() {
    ProfileLoader.Result r =
        new ProfileLoader()
            .read(
                List.of(
                    new ConfigSource(
                        "evil.yaml",
                        "profiles:\n- name: x\n  env:\n    A: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:9/\"]]]]\n")));
    // Either refused as a problem or read as plain data; never a constructed object.
    assertFalse(
        r.problems().isEmpty()
            && r.problems().stream().noneMatch(p -> p.source().equals("evil.yaml")));
    r.config()
        .profiles()
        .forEach(
            p ->
                p.env()
                    .forEach(
                        e -> assertTrue(e.getValue() == null || e.getValue() instanceof String)));
  }

  @Test
  void defect10_aServiceTemplateWithoutLabelsGetsTheConfiguredOnes() {
    // The compat template's shape: "labels:" present but empty, and absent altogether.
    var templates =
        new io.hubpolicy.model.ServiceTemplates(
            java.util.Map.of(
                "tpl",
                java.util.Map.of(
                    "empty",
                    new io.hubpolicy.model.ServiceTemplates.Text(
                        "tpl/empty",
                        "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n  name: a\n"),
                    "absent",
                    new io.hubpolicy.model.ServiceTemplates.Text(
                        "tpl/absent", "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"))),
            java.util.Map.of());
    var planner =
        new io.hubpolicy.services.ServicePlanner(
            new io.hubpolicy.services.TemplateRenderer(),
            io.hubpolicy.services.TemplateSource.configured(() -> templates));
    var spec =
        new io.hubpolicy.model.ServiceSpec(
            List.of(
                new io.hubpolicy.model.TemplateRef("tpl", "empty"),
                new io.hubpolicy.model.TemplateRef("tpl", "absent")),
            null,
            java.util.Map.of(),
            java.util.Map.of(),
            java.util.Map.of("opendatahub.io/component", "jupyterhub"),
            java.util.Map.of(),
            null);

    var planned =
        planner.plan("svc", spec, new io.hubpolicy.services.ServiceTarget("vpavlin", "", "ns"));

    assertTrue(planned.ok(), planned.error());
    assertEquals(2, planned.manifests().size());
    planned
        .manifests()
        .forEach(
            m ->
                assertEquals(
                    "jupyterhub", m.getMetadata().getLabels().get("opendatahub.io/component")));
  }
}
