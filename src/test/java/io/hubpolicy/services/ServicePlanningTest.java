package io.hubpolicy.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.model.SafeNames;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.TemplateRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Names, classic Template processing and manifest completion, without a cluster. */
class ServicePlanningTest {
  static final ServiceTarget ALICE = new ServiceTarget("alice", "", "ns");

  @Test
  void namesContainTheUserServerAndStayValidDnsLabels() {
    assertEquals("spark-alice", ServiceNames.objectName("spark-alice", ALICE));
    assertEquals("spark-alice", ServiceNames.objectName("spark", ALICE));
    ServiceTarget named = new ServiceTarget("alice", "GPU box", "ns");
    String gpu = SafeNames.safeSlug("GPU box");
    assertEquals("spark-alice--" + gpu, ServiceNames.objectName("spark-alice", named));
    assertEquals("spark-alice--" + gpu, ServiceNames.objectName("spark", named));
    String longName = ServiceNames.objectName("x".repeat(80), ALICE);
    assertEquals(63, longName.length());
    assertTrue(longName.endsWith("-alice"));
    assertTrue(SafeNames.isValidObjectName(longName), longName);
  }

  @Test
  void eachEventEndsItsLifecycleAndTheOnesBelowIt() {
    assertEquals(java.util.Set.of("server-stopped"), endedBy("server-stopped"));
    assertEquals(java.util.Set.of("server-stopped", "server-deleted"), endedBy("server-deleted"));
    assertEquals(3, endedBy("user-deleted").size());
    assertThrows(io.hubpolicy.model.InvalidRequestException.class, () -> endedBy("reboot"));
  }

  private static java.util.Set<String> endedBy(String event) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    io.hubpolicy.model.Lifecycle.event(event).ends().forEach(l -> names.add(l.wire()));
    return names;
  }

  static final String TEMPLATE =
      """
      apiVersion: template.openshift.io/v1
      kind: Template
      metadata: {name: t}
      labels: {app: spark}
      objects:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: "cm-${USERNAME}"}
        data:
          text: "workers=${WORKERS} unknown=${NOT_A_PARAM}"
          typed: "${{WORKERS}}"
      parameters:
      - {name: USERNAME, required: true}
      - {name: WORKERS, value: "2"}
      - {name: OPTIONAL}
      """;

  static ServiceTemplates.Text text(String t) {
    return new ServiceTemplates.Text("Template t", t);
  }

  @Test
  @SuppressWarnings("unchecked")
  void classicTemplateFillsParametersLikeOcProcess() {
    List<Map<String, Object>> objects =
        OpenShiftTemplate.process(text(TEMPLATE), Map.of("WORKERS", "5"), ALICE);

    Map<String, Object> o = objects.get(0);
    assertEquals("cm-alice", ((Map<String, Object>) o.get("metadata")).get("name"));
    Map<String, Object> data = (Map<String, Object>) o.get("data");
    assertEquals("workers=5 unknown=${NOT_A_PARAM}", data.get("text"));
    assertEquals(5L, data.get("typed"));
    assertEquals(Map.of("app", "spark"), ((Map<String, Object>) o.get("metadata")).get("labels"));
  }

  @Test
  void classicTemplateRefusesWhatOcProcessWouldNotFill() {
    RenderException undeclared =
        assertThrows(
            RenderException.class,
            () -> OpenShiftTemplate.process(text(TEMPLATE), Map.of("WORKRES", "5"), ALICE));
    assertTrue(
        undeclared.getMessage().contains("'WORKRES' is not declared"), undeclared.getMessage());

    RenderException generated =
        assertThrows(
            RenderException.class,
            () ->
                OpenShiftTemplate.process(
                    text(
                        TEMPLATE.replace(
                            "{name: OPTIONAL}",
                            "{name: PASSWORD, generate: expression, from: '[a-z]{8}'}")),
                    Map.of(),
                    ALICE));
    assertTrue(generated.getMessage().contains("PASSWORD"), generated.getMessage());

    RenderException required =
        assertThrows(
            RenderException.class,
            () ->
                OpenShiftTemplate.process(
                    text(TEMPLATE.replace("{name: OPTIONAL}", "{name: TOKEN, required: true}")),
                    Map.of(),
                    ALICE));
    assertTrue(required.getMessage().contains("required parameters without a value: TOKEN"));
  }

  static ServicePlanner planner(Map<String, String> keys) {
    Map<String, ServiceTemplates.Text> texts = new java.util.LinkedHashMap<>();
    keys.forEach((k, v) -> texts.put(k, new ServiceTemplates.Text("ConfigMap tpl, key " + k, v)));
    ServiceTemplates templates = new ServiceTemplates(Map.of("tpl", texts), Map.of());
    return new ServicePlanner(new TemplateRenderer(), TemplateSource.configured(() -> templates));
  }

  static ServiceSpec spec(String... keys) {
    return new ServiceSpec(
        java.util.Arrays.stream(keys).map(k -> new TemplateRef("tpl", k)).toList(),
        null,
        Map.of(),
        Map.of(),
        Map.of("team", "data"),
        Map.of(),
        null);
  }

  @Test
  void aTemplateWithoutLabelsStillGetsThemAndLosesItsStatus() {
    PlannedService p =
        planner(
                Map.of(
                    "svc",
                    "apiVersion: v1\nkind: Service\nmetadata:\n  name: nb\nstatus:\n  loadBalancer: {}\n"))
            .plan("svc", spec("svc"), ALICE);

    assertTrue(p.ok(), p.error());
    GenericKubernetesResource m = p.manifests().get(0);
    assertEquals("data", m.getMetadata().getLabels().get("team"));
    assertEquals("alice", m.getMetadata().getLabels().get("hubpolicy.io/user-server"));
    assertEquals("jupyter", m.getMetadata().getLabels().get("app.kubernetes.io/instance"));
    assertEquals("svc", m.getMetadata().getLabels().get("hubpolicy.io/service"));
    assertFalse(m.getAdditionalProperties().containsKey("status"));
  }

  @Test
  void whatCannotBeLaunchedIsAnErrorNamingTheTemplate() {
    ServicePlanner planner =
        planner(
            Map.of(
                "noname", "apiVersion: v1\nkind: Service\nmetadata: {}\n",
                "badyaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n",
                "elsewhere",
                    "apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: kube-system}\n"));

    assertTrue(
        planner
            .plan("s", spec("noname"), ALICE)
            .error()
            .contains("ConfigMap tpl, key noname: Service has no metadata.name"),
        planner.plan("s", spec("noname"), ALICE).error());
    String yaml = planner.plan("s", spec("badyaml"), ALICE).error();
    assertTrue(yaml.contains("ConfigMap tpl, key badyaml, line "), yaml);
    assertTrue(yaml.contains("not valid YAML"), yaml);
    String ns = planner.plan("s", spec("elsewhere"), ALICE).error();
    assertTrue(ns.contains("asks for namespace 'kube-system'"), ns);
    String missing = planner.plan("s", spec("nope"), ALICE).error();
    assertTrue(
        missing.contains("ConfigMap tpl: has no key 'nope' (keys: badyaml, elsewhere, noname)"),
        missing);
  }

  static GenericKubernetesResource object(String yaml) {
    return io.hubpolicy.format.KubeJson.SERIALIZATION.unmarshal(
        yaml, GenericKubernetesResource.class);
  }

  @Test
  void returnPathsGiveOneValueSeveralJoinedWithCommasOrNothing() {
    GenericKubernetesResource svc =
        object(
            "apiVersion: v1\nkind: Service\nmetadata: {name: ui}\n"
                + "spec: {ports: [{port: 80}, {port: 443}]}\n");
    GenericKubernetesResource spark =
        object("apiVersion: radanalytics.io/v1\nkind: SparkCluster\nmetadata: {name: spark}\n");
    List<GenericKubernetesResource> both = List.of(svc, spark);

    assertEquals("spark", ServiceLauncher.evaluate(both, "metadata.name"), "last object first");
    assertEquals("80,443", ServiceLauncher.evaluate(both, "spec.ports[*].port"));
    assertEquals("80", ServiceLauncher.evaluate(both, "{.spec.ports[0].port}"));
    assertEquals(null, ServiceLauncher.evaluate(both, "status.masterUrl"));
    assertEquals(null, ServiceLauncher.evaluate(both, "spec.missing[*].x"));
  }

  // --- KubeTemplateSpawner's variables, labels and lifecycle annotation ---

  static final ServiceTarget BOB_GPU =
      new ServiceTarget("Bob.Smith", "GPU box", "ns", "hub-a", 42L);

  /** Every variable, in both dialects and the Helm-values form, with what it must render to. */
  @Test
  void kubeTemplateSpawnerVariablesRenderInEveryDialect() {
    List<String> names =
        List.of(
            "userid",
            "unescaped_username",
            "unescaped_servername",
            "escaped_username",
            "escaped_servername",
            "escaped_user_server",
            "namespace",
            "instance",
            "user",
            "USERNAME",
            "username",
            "server");
    String bob = SafeNames.safeSlug("Bob.Smith");
    String gpu = SafeNames.safeSlug("GPU box");
    String expected =
        String.join(
            "|",
            "42",
            "Bob.Smith",
            "GPU box",
            bob,
            gpu,
            bob + "--" + gpu,
            "ns",
            "hub-a",
            bob,
            bob,
            "Bob.Smith",
            "GPU box");
    assertEquals(bob + "--" + gpu, BOB_GPU.userServer());
    TemplateRenderer r = new TemplateRenderer();
    Map<String, Object> vars = BOB_GPU.templateVariables();
    String jinja = String.join("|", names.stream().map(n -> "{{ " + n + " }}").toList());
    String helm = String.join("|", names.stream().map(n -> "{{ .Values." + n + " }}").toList());
    String velocity = String.join("|", names.stream().map(n -> "${" + n + "}").toList());
    assertEquals(expected, r.render("t", jinja, vars));
    assertEquals(expected, r.render("t", helm, vars));
    assertEquals(expected, r.render("t", velocity, vars));

    ServiceTarget alice = new ServiceTarget("alice", "", "ns", "hub-a", null);
    assertEquals(
        "|alice|alice|jupyter",
        r.render(
            "t",
            "{{ .Values.escaped_servername }}|{{ escaped_user_server }}|{{ escaped_username }}|"
                + "{{ .Values.instance }}",
            ALICE.templateVariables()));
    assertEquals(
        "|alice|jupyter",
        r.render("t", "${escaped_servername}|$escaped_user_server|$instance", vars(ALICE)));
    assertEquals("hub-a", alice.templateVariables().get("instance"));
    assertFalse(alice.templateVariables().containsKey("userid"), "not sent: undefined");
    assertEquals(
        new java.util.TreeSet<>(ServiceTarget.RESERVED_VARIABLES),
        new java.util.TreeSet<>(vars.keySet()),
        "every variable is reserved, and only those");
  }

  /** KubeSpawner's safe-slug vectors, as KubeTemplateSpawner's escaped variables render them. */
  @Test
  void escapedVariablesFollowKubeSpawnersSafeSlugs() {
    String template =
        "{{ .Values.escaped_username }}|{{ .Values.escaped_servername }}|"
            + "{{ .Values.escaped_user_server }}|{{ .Values.unescaped_username }}|"
            + "{{ .Values.unescaped_servername }}";
    TemplateRenderer r = new TemplateRenderer();
    String a30 = "a".repeat(30);
    String b30 = "b".repeat(30);
    List<List<String>> vectors =
        List.of(
            List.of("alice", "", "alice||alice|alice|"),
            List.of(
                "user@email.com",
                "",
                "user-email-com---0925f997||user-email-com---0925f997|user@email.com|"),
            List.of(
                "Alice.Smith",
                "gpu",
                "alice-smith---2ece8250|gpu|alice-smith---2ece8250--gpu|Alice.Smith|gpu"),
            List.of(
                "some_user",
                "test-server!",
                "some-user---7d3a4d4e|test-server---cb54a9af|"
                    + "some-user---7d3a4d4e--test-server---cb54a9af|some_user|test-server!"),
            List.of(
                a30,
                b30,
                a30
                    + "|"
                    + b30
                    + "|"
                    + "a".repeat(17)
                    + "--"
                    + "b".repeat(17)
                    + "---583103a5|"
                    + a30
                    + "|"
                    + b30),
            List.of("1abc", "", "x-1abc---57cb980e||x-1abc---57cb980e|1abc|"));
    for (List<String> v : vectors) {
      ServiceTarget t = new ServiceTarget(v.get(0), v.get(1), "ns", "jupyter", 1L);
      assertEquals(v.get(2), r.render("t", template, t.templateVariables()), v.toString());
    }
  }

  static Map<String, Object> vars(ServiceTarget t) {
    return t.templateVariables();
  }

  @Test
  void aTemplateUsingUseridWithoutOneFailsNamingIt() {
    ServicePlanner planner =
        planner(
            Map.of(
                "id",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: id-{{ .Values.userid }}\n"));
    ServiceTarget noId = new ServiceTarget("alice", "", "ns", "jupyter", null);

    String error = planner.plan("s", spec("id"), noId).error();
    assertTrue(
        error.startsWith(
            "service s: ConfigMap tpl, key id, line 4: undefined variable $userid (the hub did not"
                + " send the user's id: request field userId, from spawner.user.id)"),
        error);
    PlannedService withId =
        planner.plan("s", spec("id"), new ServiceTarget("alice", "", "ns", "jupyter", 7L));
    assertTrue(withId.ok(), withId.error());
    assertEquals("id-7-alice", withId.manifests().get(0).getMetadata().getName());
  }

  static final String KTS_OBJECTS =
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
        annotations:
          kubetemplatespawner/lifecycle: server-stopped
        labels:
          app.kubernetes.io/instance: "{{ .Values.instance }}"
          app.kubernetes.io/managed-by: kubetemplatespawner
          hub.jupyter.org/username: "{{ .Values.escaped_username }}"
          hub.jupyter.org/servername: "{{ .Values.escaped_servername }}"
      spec: {clusterIP: None}
      ---
      apiVersion: v1
      kind: PersistentVolumeClaim
      metadata:
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
        annotations: {kubetemplatespawner/lifecycle: user-deleted}
      spec: {accessModes: [ReadWriteOnce]}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "{{ .Values.instance }}-{{ .Values.escaped_user_server }}-plain"}
      """;

  @Test
  void objectsCarryKubeTemplateSpawnersLabelsAndBothLifecycleAnnotations() {
    PlannedService p =
        planner(Map.of("kts", KTS_OBJECTS))
            .plan("s", specWithLifecycle("server-deleted", "kts"), BOB_GPU);

    assertTrue(p.ok(), p.error());
    String bob = SafeNames.safeSlug("Bob.Smith");
    String gpu = SafeNames.safeSlug("GPU box");
    List<String> lifecycles = new java.util.ArrayList<>();
    for (GenericKubernetesResource m : p.manifests()) {
      Map<String, String> l = m.getMetadata().getLabels();
      assertEquals("hub-a", l.get("app.kubernetes.io/instance"));
      assertEquals("hubpolicy", l.get("app.kubernetes.io/managed-by"), "ours wins");
      assertEquals(bob, l.get("hub.jupyter.org/username"));
      assertEquals(gpu, l.get("hub.jupyter.org/servername"));
      assertEquals(bob + "--" + gpu, l.get("hubpolicy.io/user-server"));
      assertEquals("data", l.get("team"));
      Map<String, String> a = m.getMetadata().getAnnotations();
      assertEquals(a.get("hubpolicy/lifecycle"), a.get("kubetemplatespawner/lifecycle"));
      lifecycles.add(a.get("hubpolicy/lifecycle"));
    }
    assertEquals(
        List.of("server-stopped", "user-deleted", "server-deleted"),
        lifecycles,
        "an object's own annotation wins; the service's lifecycle is the default");
    assertEquals("hub-a-" + bob + "--" + gpu, p.manifests().get(0).getMetadata().getName());

    PlannedService defaultServer =
        planner(Map.of("kts", KTS_OBJECTS)).plan("s", spec("kts"), ALICE);
    Map<String, String> l = defaultServer.manifests().get(2).getMetadata().getLabels();
    assertEquals("", l.get("hub.jupyter.org/servername"), "KubeTemplateSpawner's stop selects it");
    assertEquals(
        "server-stopped",
        defaultServer.manifests().get(2).getMetadata().getAnnotations().get("hubpolicy/lifecycle"));
  }

  @Test
  void aLifecycleAnnotationMustBeKnownAndAgree() {
    String head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n";
    ServicePlanner planner =
        planner(
            Map.of(
                "unknown", head + "    kubetemplatespawner/lifecycle: forever\n",
                "disagree",
                    head
                        + "    kubetemplatespawner/lifecycle: user-deleted\n"
                        + "    hubpolicy/lifecycle: server-stopped\n",
                "agree",
                    head
                        + "    kubetemplatespawner/lifecycle: user-deleted\n"
                        + "    hubpolicy/lifecycle: user-deleted\n"));

    String unknown = planner.plan("s", spec("unknown"), ALICE).error();
    assertTrue(
        unknown.contains(
            "ConfigMap x: annotation kubetemplatespawner/lifecycle must be one of server-stopped,"
                + " server-deleted, user-deleted, found 'forever'"),
        unknown);
    String disagree = planner.plan("s", spec("disagree"), ALICE).error();
    assertTrue(disagree.contains("disagree; give one"), disagree);
    assertTrue(planner.plan("s", spec("agree"), ALICE).ok());
  }

  static ServiceSpec specWithLifecycle(String lifecycle, String... keys) {
    return new ServiceSpec(
        java.util.Arrays.stream(keys).map(k -> new TemplateRef("tpl", k)).toList(),
        null,
        Map.of(),
        Map.of(),
        Map.of("team", "data"),
        Map.of(),
        io.hubpolicy.model.Lifecycle.event(lifecycle));
  }

  @Test
  void aNewVariableNameIsRefusedInConfiguration() {
    var e =
        assertThrows(
            io.hubpolicy.model.InvalidConfigException.class,
            () ->
                io.hubpolicy.engine.Engines.ruleBase(
                    """
                    profiles:
                    - name: p
                      services:
                        s:
                          resources: [{name: tpl, path: k}]
                          configuration: {escaped_user_server: x, userid: 1}
                    """));
    assertTrue(e.getMessage().contains("configuration.escaped_user_server"), e.getMessage());
    assertTrue(e.getMessage().contains("configuration.userid"), e.getMessage());
  }
}
