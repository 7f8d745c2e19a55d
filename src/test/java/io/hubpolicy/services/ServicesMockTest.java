package io.hubpolicy.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.kube.ClusterTemplates;
import io.hubpolicy.kube.KubeResources;
import io.hubpolicy.kube.MockKube;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.profiles.CompatTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Launching side services against fabric8's mock API server in CRUD mode. */
public class ServicesMockTest {
  /** The compat example's custom resource, served by the mock server as a generic resource. */
  public static final ResourceDefinitionContext SPARK =
      new ResourceDefinitionContext.Builder()
          .withGroup("radanalytics.io")
          .withVersion("v1")
          .withKind("SparkCluster")
          .withPlural("sparkclusters")
          .withNamespaced(true)
          .build();

  static MockKube kube;
  static KubernetesClient client;
  static ClusterTemplates templates;

  @BeforeAll
  static void start() {
    kube = MockKube.start();
    client = kube.client;
    templates = null;
  }

  @AfterAll
  static void stop() {
    // Closing a connected watch stalls the 8.0.0 mock server; close the informers after it.
    kube.server.destroy();
    if (templates != null) {
      templates.close();
    }
    kube.client.close();
  }

  /** A namespace per test keeps the tests apart on one server. */
  static Setup setup(String ns) {
    ClusterTemplates t = new ClusterTemplates(client, ns);
    templates = t;
    return new Setup(
        ns,
        new ServicePlanner(new TemplateRenderer(), t),
        new ServiceLauncher(new KubeResources(client, ns), Duration.ofSeconds(3)));
  }

  record Setup(String ns, ServicePlanner planner, ServiceLauncher launcher) {
    ServiceLauncher.Launch launch(String user, String server, Map<String, ServiceSpec> services) {
      ServiceTarget target = new ServiceTarget(user, server, ns);
      return launcher.launch(target, planner.plan(services, target));
    }
  }

  static void loadCompat(String ns, String file) {
    String text = CompatTest.text(CompatTest.compat(file));
    Object parsed = KubeJson.SERIALIZATION.unmarshal(text);
    if (parsed instanceof ConfigMap cm) {
      client.configMaps().inNamespace(ns).resource(cm).create();
    } else {
      client
          .genericKubernetesResources(ClusterTemplates.TEMPLATES)
          .inNamespace(ns)
          .resource((GenericKubernetesResource) parsed)
          .create();
    }
  }

  static Map<String, ServiceSpec> servicesOf(String compatConfig, String image) {
    RuleBase rb = Engines.ruleBase(CompatTest.text(CompatTest.compat(compatConfig)));
    Decision d = Engines.decide(rb, "alice", image, null);
    assertFalse(d.services().isEmpty(), "the compat profile gives " + image + " services");
    return d.services();
  }

  static List<GenericKubernetesResource> all(String ns, ResourceDefinitionContext ctx) {
    return client.genericKubernetesResources(ctx).inNamespace(ns).list().getItems();
  }

  static ResourceDefinitionContext core(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("")
        .withVersion("v1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  static final ResourceDefinitionContext SERVICES = core("Service", "services");
  static final ResourceDefinitionContext CONFIG_MAPS = core("ConfigMap", "configmaps");

  static Set<String> names(String ns, ResourceDefinitionContext ctx) {
    return all(ns, ctx).stream()
        .map(r -> r.getMetadata().getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void compatSparkTemplatesCreateASparkClusterAndAServiceNamedLabelledAndOwned() {
    Setup s = setup("current");
    loadCompat("current", "odh-manifests-4b0ea7e-jupyterhub-spark-operator-configmap.yaml");
    Map<String, ServiceSpec> services =
        servicesOf(
            "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-configmap.yaml",
            "s2i-spark-minimal-notebook:3.6");

    ServiceLauncher.Launch launch = s.launch("alice", "", services);

    assertEquals(Map.of("SPARK_CLUSTER", "spark-cluster-alice"), launch.env());
    GenericKubernetesResource spark =
        client
            .genericKubernetesResources(SPARK)
            .inNamespace("current")
            .withName("spark-cluster-alice")
            .get();
    assertNotNull(spark, "SparkCluster created as a generic resource");
    @SuppressWarnings("unchecked")
    Map<String, Object> worker =
        (Map<String, Object>) ((Map<String, Object>) spark.get("spec")).get("worker");
    assertEquals("2", worker.get("instances"));
    assertEquals("2Gi", worker.get("memoryLimit"));
    GenericKubernetesResource svc =
        client
            .genericKubernetesResources(SERVICES)
            .inNamespace("current")
            .withName("jupyterhub-nb-alice")
            .get();
    assertNotNull(svc, "headless Service created");
    assertEquals(
        "alice",
        ((Map<?, ?>) ((Map<?, ?>) svc.get("spec")).get("selector"))
            .get("jupyterhub.opendatahub.io/user"));
    assertFalse(
        svc.getAdditionalProperties().containsKey("status")
            && ((Map<?, ?>) svc.get("status")).containsKey("loadBalancer"),
        "the template's status is not sent");

    GenericKubernetesResource anchor =
        client
            .genericKubernetesResources(CONFIG_MAPS)
            .inNamespace("current")
            .withName("hubpolicy-services-alice")
            .get();
    assertNotNull(anchor, "one anchor ConfigMap per user server");
    for (GenericKubernetesResource o : List.of(spark, svc)) {
      Map<String, String> labels = o.getMetadata().getLabels();
      // The Service template has "labels:" with no value; it still gets every label.
      assertEquals("hubpolicy", labels.get("app.kubernetes.io/managed-by"));
      assertEquals("alice", labels.get("app.kubernetes.io/instance"));
      assertEquals("alice", labels.get("hub.jupyter.org/username"));
      assertFalse(labels.containsKey("hub.jupyter.org/servername"), "default server");
      assertEquals("server-stopped", o.getMetadata().getAnnotations().get("hubpolicy/lifecycle"));
      assertEquals(1, o.getMetadata().getOwnerReferences().size());
      var owner = o.getMetadata().getOwnerReferences().get(0);
      assertEquals("ConfigMap", owner.getKind());
      assertEquals("hubpolicy-services-alice", owner.getName());
      assertEquals(anchor.getMetadata().getUid(), owner.getUid());
    }
  }

  @Test
  void classicTemplateIsProcessedWithParametersAndUsername() {
    Setup s = setup("classic");
    loadCompat("classic", "odh-manifests-0d4b37e-jupyterhub-spark-operator-template-USERNAME.yaml");
    Map<String, ServiceSpec> services =
        servicesOf(
            "odh-manifests-0d4b37e-jupyterhub-singleuser-profiles-configmap-classic.yaml",
            "s2i-spark-minimal-notebook:3.6");

    ServiceLauncher.Launch launch = s.launch("Bob.Smith", "gpu", services);

    String instance = new ServiceTarget("Bob.Smith", "gpu", "classic").instance();
    ConfigMap cm =
        client.configMaps().inNamespace("classic").list().getItems().stream()
            .filter(c -> c.getMetadata().getName().startsWith("spark-cluster-"))
            .findFirst()
            .orElseThrow();
    assertTrue(cm.getMetadata().getName().contains(instance), cm.getMetadata().getName());
    assertEquals(Map.of("SPARK_CLUSTER", cm.getMetadata().getName()), launch.env());
    String config = cm.getData().get("config");
    assertTrue(config.contains("instances: 2"), config);
    assertTrue(config.contains("memoryLimit: 2Gi"), config);
    assertTrue(
        config.contains("customImage: quay.io/opendatahub/spark-cluster-image:spark22python36"),
        config);
    assertFalse(config.contains("${"), config);
    Map<String, String> labels = cm.getMetadata().getLabels();
    assertEquals("SparkCluster", labels.get("radanalytics.io/kind"));
    assertEquals("Bob.Smith", labels.get("hub.jupyter.org/username"));
    assertEquals("gpu", labels.get("hub.jupyter.org/servername"));
    assertEquals(instance, labels.get("app.kubernetes.io/instance"));
  }

  static ServiceSpec spark(String name, Map<String, String> returns, String lifecycle) {
    return new ServiceSpec(
        List.of(new TemplateRef("tpl", name)),
        null,
        Map.of(),
        Map.of(),
        Map.of(),
        returns,
        lifecycle == null ? null : Lifecycle.event(lifecycle));
  }

  static void templateConfigMap(String ns, Map<String, String> data) {
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("tpl")
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  static final String CLUSTER =
      """
      apiVersion: radanalytics.io/v1
      kind: SparkCluster
      metadata:
        name: spark-{{ instance }}
      spec:
        worker: {instances: "1"}
      """;

  @Test
  void aReturnValueThatAppearsLaterIsWaitedFor() throws Exception {
    Setup s = setup("later");
    templateConfigMap("later", Map.of("cluster", CLUSTER));
    CompletableFuture<Void> controller =
        CompletableFuture.runAsync(
            () -> {
              MockKube.await(
                  "the SparkCluster exists",
                  () ->
                      client
                              .genericKubernetesResources(SPARK)
                              .inNamespace("later")
                              .withName("spark-alice")
                              .get()
                          != null);
              try {
                TimeUnit.MILLISECONDS.sleep(400);
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
              var r =
                  client
                      .genericKubernetesResources(SPARK)
                      .inNamespace("later")
                      .withName("spark-alice")
                      .get();
              r.setAdditionalProperty("status", Map.of("masterUrl", "spark://spark-alice:7077"));
              client.genericKubernetesResources(SPARK).inNamespace("later").resource(r).update();
            });

    ServiceLauncher.Launch launch =
        s.launch(
            "alice",
            "",
            Map.of(
                "spark",
                spark(
                    "cluster",
                    Map.of("SPARK_MASTER", "status.masterUrl", "NAME", "{.metadata.name}"),
                    null)));

    controller.get(10, TimeUnit.SECONDS);
    assertEquals("spark://spark-alice:7077", launch.env().get("SPARK_MASTER"));
    assertEquals("spark-alice", launch.env().get("NAME"));
  }

  @Test
  void aReturnValueThatNeverAppearsFailsNamingItAndLeavesNothing() {
    Setup s = setup("never");
    templateConfigMap("never", Map.of("cluster", CLUSTER));

    ServiceLaunchException e =
        assertThrows(
            ServiceLaunchException.class,
            () ->
                s.launch(
                    "alice",
                    "",
                    Map.of(
                        "spark",
                        spark("cluster", Map.of("SPARK_MASTER", "status.masterUrl"), null))));

    assertEquals(ServiceLaunchException.Cause.TIMEOUT, e.kind());
    assertTrue(
        e.getMessage()
            .contains(
                "return SPARK_MASTER ('status.masterUrl') matched nothing on SparkCluster spark-alice"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("rolled back: deleted SparkCluster/spark-alice"), e.getMessage());
    assertEquals(Set.of(), names("never", SPARK));
    assertEquals(Set.of("tpl"), names("never", CONFIG_MAPS), "the anchor is gone too");
  }

  @Test
  void launchingTwiceReplacesInsteadOfFailing() {
    Setup s = setup("twice");
    templateConfigMap("twice", Map.of("cluster", CLUSTER.replace("\"1\"", "\"{{ workers }}\"")));
    ServiceLauncher.Launch first =
        s.launch("alice", "", Map.of("spark", withConfiguration(Map.of("workers", 1))));
    ServiceLauncher.Launch second =
        s.launch("alice", "", Map.of("spark", withConfiguration(Map.of("workers", 3))));

    assertTrue(first.objects().get(0).created());
    assertFalse(second.objects().get(0).created(), "replaced, not created");
    assertEquals(Set.of("spark-alice"), names("twice", SPARK));
    GenericKubernetesResource r =
        client.genericKubernetesResources(SPARK).inNamespace("twice").withName("spark-alice").get();
    assertEquals("3", ((Map<?, ?>) ((Map<?, ?>) r.get("spec")).get("worker")).get("instances"));
    assertEquals(Set.of("hubpolicy-services-alice", "tpl"), names("twice", CONFIG_MAPS));
  }

  static ServiceSpec withConfiguration(Map<String, Object> configuration) {
    return new ServiceSpec(
        List.of(new TemplateRef("tpl", "cluster")),
        null,
        Map.of(),
        configuration,
        Map.of(),
        Map.of(),
        null);
  }

  @Test
  void whenTheSecondObjectFailsTheFirstIsDeleted() {
    String ns = "rollback";
    templateConfigMap(
        ns,
        Map.of(
            "cluster",
            CLUSTER,
            "svc",
            """
        apiVersion: v1
        kind: Service
        metadata: {name: "nb-{{ user }}"}
        spec: {clusterIP: None}
        """));
    KubeResources real = new KubeResources(client, ns);
    ClusterResources failingOnServices =
        new ClusterResources() {
          @Override
          public Applied apply(GenericKubernetesResource desired) {
            if (desired.getKind().equals("Service")) {
              throw new io.fabric8.kubernetes.client.KubernetesClientException(
                  "admission webhook denied the request");
            }
            return real.apply(desired);
          }

          @Override
          public Applied createIfAbsent(GenericKubernetesResource desired) {
            return real.createIfAbsent(desired);
          }

          @Override
          public java.util.Optional<GenericKubernetesResource> replace(
              GenericKubernetesResource desired) {
            return real.replace(desired);
          }

          @Override
          public java.util.Optional<GenericKubernetesResource> get(String a, String k, String n) {
            return real.get(a, k, n);
          }

          @Override
          public List<GenericKubernetesResource> list(String a, String k, Map<String, String> l) {
            return real.list(a, k, l);
          }

          @Override
          public boolean delete(String a, String k, String n) {
            return real.delete(a, k, n);
          }

          @Override
          public String namespace() {
            return ns;
          }
        };
    ClusterTemplates t = new ClusterTemplates(client, ns);
    ServicePlanner planner = new ServicePlanner(new TemplateRenderer(), t);
    ServiceLauncher launcher = new ServiceLauncher(failingOnServices, Duration.ofSeconds(1));
    ServiceSpec spec =
        new ServiceSpec(
            List.of(new TemplateRef("tpl", "cluster"), new TemplateRef("tpl", "svc")),
            null,
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            null);
    ServiceTarget target = new ServiceTarget("alice", "", ns);

    ServiceLaunchException e =
        assertThrows(
            ServiceLaunchException.class,
            () -> launcher.launch(target, planner.plan(Map.of("spark", spec), target)));

    assertEquals(ServiceLaunchException.Cause.CLUSTER, e.kind());
    assertTrue(
        e.getMessage()
            .startsWith(
                "service spark: Service nb-alice could not be created: admission webhook denied the request"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("rolled back: deleted SparkCluster/spark-alice"), e.getMessage());
    assertEquals(Set.of(), names(ns, SPARK), "no orphan SparkCluster");
    assertEquals(Set.of("tpl"), names(ns, CONFIG_MAPS), "no orphan anchor");
    t.close();
  }

  @Test
  void eachEventDeletesOnlyWhatItsLifecycleEnds() {
    String ns = "events";
    Setup s = setup(ns);
    templateConfigMap(
        ns,
        Map.of(
            "obj",
            """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "{{ kind }}"}
        data: {k: v}
        """));
    Map<String, ServiceSpec> services = new java.util.LinkedHashMap<>();
    for (String lc : List.of("server-stopped", "server-deleted", "user-deleted")) {
      services.put(
          lc,
          new ServiceSpec(
              List.of(new TemplateRef("tpl", "obj")),
              null,
              Map.of(),
              Map.of("kind", lc),
              Map.of(),
              Map.of(),
              Lifecycle.event(lc)));
    }
    s.launch("alice", "", services);
    s.launch("alice", "gpu", services);
    s.launch("bob", "", services);
    Set<String> before = names(ns, CONFIG_MAPS);
    assertEquals(13, before.size(), before.toString()); // 3 launches × (3 objects + anchor) + tpl

    var stopped = s.launcher().stop("alice", "gpu", Lifecycle.event("server-stopped"));
    assertEquals(List.of("ConfigMap/server-stopped-alice--gpu"), stopped.deleted());
    assertEquals(before.size() - 1, names(ns, CONFIG_MAPS).size());

    var deleted = s.launcher().stop("alice", "gpu", Lifecycle.event("server-deleted"));
    assertEquals(List.of("ConfigMap/server-deleted-alice--gpu"), deleted.deleted());
    assertEquals(List.of("ConfigMap/user-deleted-alice--gpu"), deleted.kept());
    assertTrue(
        names(ns, CONFIG_MAPS).contains("hubpolicy-services-alice--gpu"),
        "anchor kept while something is left");

    var gone = s.launcher().stop("alice", null, Lifecycle.event("user-deleted"));
    assertEquals(
        Set.of(
            "ConfigMap/user-deleted-alice--gpu",
            "ConfigMap/server-stopped-alice",
            "ConfigMap/server-deleted-alice",
            "ConfigMap/user-deleted-alice"),
        new TreeSet<>(gone.deleted()));
    assertEquals(
        Set.of(
            "tpl",
            "hubpolicy-services-bob",
            "server-stopped-bob",
            "server-deleted-bob",
            "user-deleted-bob"),
        names(ns, CONFIG_MAPS),
        "bob's objects are untouched; alice's anchors are gone");

    assertEquals(
        List.of(),
        s.launcher().stop("alice", null, Lifecycle.event("user-deleted")).deleted(),
        "stopping again is a no-op");
  }

  /** Each escape as a ConfigMap author would write it, and what the refusal must say. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> escapes() {
    String head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  v: \"";
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of(
            "exec",
            head
                + "$user.getClass().forName('java.lang.Runtime').getRuntime().exec('touch /tmp/hubpolicy-pwned')\"\n",
            "getClass()"),
        org.junit.jupiter.params.provider.Arguments.of(
            "class-property", head + "$user.class.name\"\n", "class"),
        org.junit.jupiter.params.provider.Arguments.of(
            "include", head + "#include('/etc/passwd')\"\n", "#include"),
        org.junit.jupiter.params.provider.Arguments.of(
            "parse", head + "#parse('pom.xml')\"\n", "#parse"),
        org.junit.jupiter.params.provider.Arguments.of(
            "evaluate", head + "#evaluate('$user')\"\n", "#evaluate"),
        org.junit.jupiter.params.provider.Arguments.of(
            "environment", head + "$env.HOME $System\"\n", "undefined variable"),
        org.junit.jupiter.params.provider.Arguments.of(
            "loop", head + "#foreach($i in [1..2000000000])x#end\"\n", "1000"),
        org.junit.jupiter.params.provider.Arguments.of(
            "jinja-call",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"{{ user.getClass() }}\"}\n",
            "line 3"));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("escapes")
  void aSandboxEscapeFailsTheLaunchNamingTheLineAndCreatesNothing(
      String name, String template, String expected) {
    String ns = "escape-" + name;
    Setup s = setup(ns);
    templateConfigMap(ns, Map.of("evil", template));

    ServiceLaunchException e =
        assertThrows(
            ServiceLaunchException.class,
            () ->
                s.launch(
                    "alice",
                    "",
                    Map.of(
                        "evil",
                        new ServiceSpec(
                            List.of(new TemplateRef("tpl", "evil")),
                            null,
                            Map.of(),
                            Map.of(),
                            Map.of(),
                            Map.of(),
                            null))));

    assertEquals(ServiceLaunchException.Cause.TEMPLATE, e.kind());
    assertTrue(e.getMessage().contains("ConfigMap " + ns + "/tpl, key evil"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertEquals(Set.of("tpl"), names(ns, CONFIG_MAPS), "nothing created, not even an anchor");
    assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/hubpolicy-pwned")));
  }
}
