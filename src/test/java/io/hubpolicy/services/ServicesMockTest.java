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
    kube.closeClients();
  }

  /** A namespace per test keeps the tests apart on one server. */
  static Setup setup(String ns) {
    // The code's own client: its calls are the ones DeployOverlaysIT derives RBAC from.
    ClusterTemplates t = new ClusterTemplates(kube.codeClient(), ns);
    templates = t;
    return new Setup(
        ns,
        new ServicePlanner(new TemplateRenderer(), t),
        new ServiceLauncher(new KubeResources(kube.codeClient(), ns), Duration.ofSeconds(3)));
  }

  record Setup(String ns, ServicePlanner planner, ServiceLauncher launcher) {
    ServiceLauncher.Launch launch(String user, String server, Map<String, ServiceSpec> services) {
      return launch(new ServiceTarget(user, server, ns), services);
    }

    ServiceLauncher.Launch launch(ServiceTarget target, Map<String, ServiceSpec> services) {
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
      assertEquals("alice", labels.get("hubpolicy.io/user-server"));
      assertEquals("jupyter", labels.get("app.kubernetes.io/instance"), "the hub's instance");
      assertEquals("alice", labels.get("hub.jupyter.org/username"));
      assertEquals("", labels.get("hub.jupyter.org/servername"), "default server");
      assertEquals("server-stopped", o.getMetadata().getAnnotations().get("hubpolicy/lifecycle"));
      assertEquals(
          "server-stopped", o.getMetadata().getAnnotations().get("kubetemplatespawner/lifecycle"));
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

    String userServer = new ServiceTarget("Bob.Smith", "gpu", "classic").userServer();
    ConfigMap cm =
        client.configMaps().inNamespace("classic").list().getItems().stream()
            .filter(c -> c.getMetadata().getName().startsWith("spark-cluster-"))
            .findFirst()
            .orElseThrow();
    assertTrue(cm.getMetadata().getName().contains(userServer), cm.getMetadata().getName());
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
    assertEquals(
        io.hubpolicy.model.SafeNames.safeSlug("Bob.Smith"), labels.get("hub.jupyter.org/username"));
    assertEquals("gpu", labels.get("hub.jupyter.org/servername"));
    assertEquals(userServer, labels.get("hubpolicy.io/user-server"));
    assertEquals("jupyter", labels.get("app.kubernetes.io/instance"));
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
        name: spark-{{ escaped_user_server }}
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

  /**
   * KubeTemplateSpawner's example chart (example/templates: pod.yaml, service.yaml, pvc.yaml, at
   * manics/jupyterhub-kubetemplatespawner 97a1224) with what Go templates have and we do not taken
   * out ({@code | quote}, {@code {{- if }}}, {@code {{- range }}}), plus a ConfigMap that ends with
   * its named server: every variable, label and lifecycle.
   */
  static final String KTS_TEMPLATE =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        annotations:
          hub.jupyter.org/username: "{{ .Values.unescaped_username }}"
          kubetemplatespawner/lifecycle: server-stopped
        labels:
          app.kubernetes.io/instance: {{ .Values.instance }}
          app.kubernetes.io/name: jupyterhub
          app.kubernetes.io/component: singleuser-server
          app.kubernetes.io/managed-by: kubetemplatespawner
          hub.jupyter.org/network-access-hub: "true"
          hub.jupyter.org/servername: "{{ .Values.escaped_servername }}"
          hub.jupyter.org/username: "{{ .Values.escaped_username }}"
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
        namespace: {{ .Values.namespace }}
      spec:
        automountServiceAccountToken: false
        containers:
        - args:
            - jupyterhub-singleuser
          image: {{ .Values.image }}
          imagePullPolicy: IfNotPresent
          name: notebook
          ports:
            - containerPort: 8888
              name: notebook-port
              protocol: TCP
          volumeMounts:
            - mountPath: /home/jovyan
              name: home
        restartPolicy: OnFailure
        volumes:
        - name: home
          persistentVolumeClaim:
            claimName: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
      ---
      apiVersion: v1
      kind: Service
      metadata:
        annotations:
          hub.jupyter.org/username: "{{ .Values.unescaped_username }}"
          kubetemplatespawner/lifecycle: server-stopped
        labels:
          app.kubernetes.io/instance: "{{ .Values.instance }}"
          app.kubernetes.io/managed-by: kubetemplatespawner
          hub.jupyter.org/servername: "{{ .Values.escaped_servername }}"
          hub.jupyter.org/username: "{{ .Values.escaped_username }}"
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
        namespace: {{ .Values.namespace }}
      spec:
        clusterIP: None
        selector:
          app.kubernetes.io/instance: "{{ .Values.instance }}"
          hub.jupyter.org/servername: "{{ .Values.escaped_servername }}"
          hub.jupyter.org/username: "{{ .Values.escaped_username }}"
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata:
        annotations:
          kubetemplatespawner/lifecycle: server-deleted
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}-settings
      data:
        user: "{{ .Values.unescaped_username }}"
        server: "{{ .Values.unescaped_servername }}"
        userid: "{{ .Values.userid }}"
        size: "{{ .Values.size }}"
      ---
      apiVersion: v1
      kind: PersistentVolumeClaim
      metadata:
        annotations:
          kubetemplatespawner/lifecycle: user-deleted
        name: {{ .Values.instance }}-{{ .Values.escaped_user_server }}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
      """;

  static final ResourceDefinitionContext PODS = core("Pod", "pods");

  static final ResourceDefinitionContext PVCS =
      core("PersistentVolumeClaim", "persistentvolumeclaims");

  /** Every object the user servers' services have, as kind/name, anchors aside. */
  static Set<String> objects(String ns) {
    Set<String> out = new TreeSet<>();
    for (ResourceDefinitionContext ctx : List.of(PODS, SERVICES, CONFIG_MAPS, PVCS)) {
      for (GenericKubernetesResource r : all(ns, ctx)) {
        String name = r.getMetadata().getName();
        if (!name.equals("tpl") && !name.startsWith("hubpolicy-services-")) {
          out.add(r.getKind() + "/" + name);
        }
      }
    }
    return out;
  }

  @Test
  void aKubeTemplateSpawnerTemplateIsEndedByEachOfItsLifecycles() {
    String ns = "kts";
    Setup s = setup(ns);
    templateConfigMap(ns, Map.of("server", KTS_TEMPLATE));
    Map<String, ServiceSpec> services =
        Map.of(
            "server",
            new ServiceSpec(
                List.of(new TemplateRef("tpl", "server")),
                null,
                Map.of(),
                Map.of("size", "small", "image", "quay.io/jupyterhub/k8s-singleuser-sample:4.1.0"),
                Map.of(),
                Map.of(),
                null));
    s.launch(new ServiceTarget("alice", "", ns, "staging-hub", 42L), services);
    s.launch(new ServiceTarget("alice", "gpu", ns, "staging-hub", 42L), services);
    s.launch(new ServiceTarget("bob", "", ns, "staging-hub", 43L), services);

    Set<String> bobs =
        Set.of(
            "Pod/staging-hub-bob",
            "Service/staging-hub-bob",
            "ConfigMap/staging-hub-bob-settings",
            "PersistentVolumeClaim/staging-hub-bob");
    Set<String> alicesGpu =
        Set.of(
            "Pod/staging-hub-alice--gpu",
            "Service/staging-hub-alice--gpu",
            "ConfigMap/staging-hub-alice--gpu-settings",
            "PersistentVolumeClaim/staging-hub-alice--gpu");
    Set<String> all = new TreeSet<>(bobs);
    all.addAll(alicesGpu);
    all.addAll(
        Set.of(
            "Pod/staging-hub-alice",
            "Service/staging-hub-alice",
            "ConfigMap/staging-hub-alice-settings",
            "PersistentVolumeClaim/staging-hub-alice"));
    assertEquals(all, objects(ns));
    GenericKubernetesResource settings =
        client
            .genericKubernetesResources(CONFIG_MAPS)
            .inNamespace(ns)
            .withName("staging-hub-alice--gpu-settings")
            .get();
    assertEquals(
        Map.of("user", "alice", "server", "gpu", "userid", "42", "size", "small"),
        settings.get("data"));
    Map<String, String> labels = settings.getMetadata().getLabels();
    assertEquals("staging-hub", labels.get("app.kubernetes.io/instance"));
    assertEquals("alice", labels.get("hub.jupyter.org/username"));
    assertEquals("gpu", labels.get("hub.jupyter.org/servername"));
    assertEquals("alice--gpu", labels.get("hubpolicy.io/user-server"));
    assertEquals("hubpolicy", labels.get("app.kubernetes.io/managed-by"));
    assertEquals(
        "server-deleted", settings.getMetadata().getAnnotations().get("hubpolicy/lifecycle"));
    GenericKubernetesResource pod =
        client
            .genericKubernetesResources(PODS)
            .inNamespace(ns)
            .withName("staging-hub-alice--gpu")
            .get();
    Map<String, String> podLabels = pod.getMetadata().getLabels();
    assertEquals("staging-hub", podLabels.get("app.kubernetes.io/instance"));
    assertEquals("alice", podLabels.get("hub.jupyter.org/username"));
    assertEquals("gpu", podLabels.get("hub.jupyter.org/servername"));
    assertEquals("singleuser-server", podLabels.get("app.kubernetes.io/component"), "its own");
    assertEquals("true", podLabels.get("hub.jupyter.org/network-access-hub"));
    assertEquals("alice", pod.getMetadata().getAnnotations().get("hub.jupyter.org/username"));
    assertEquals(
        "server-stopped", pod.getMetadata().getAnnotations().get("kubetemplatespawner/lifecycle"));
    String podJson = io.hubpolicy.format.KubeJson.SERIALIZATION.asJson(pod);
    assertTrue(podJson.contains("\"claimName\":\"staging-hub-alice--gpu\""), podJson);
    assertTrue(podJson.contains("k8s-singleuser-sample:4.1.0"), podJson);
    Map<String, String> defaultServerLabels =
        client
            .genericKubernetesResources(PVCS)
            .inNamespace(ns)
            .withName("staging-hub-alice")
            .get()
            .getMetadata()
            .getLabels();
    assertEquals("", defaultServerLabels.get("hub.jupyter.org/servername"), "KTS selects by it");

    var stopped = s.launcher().stop("alice", "", Lifecycle.SERVER_STOPPED);
    assertEquals(
        Set.of("Pod/staging-hub-alice", "Service/staging-hub-alice"),
        new TreeSet<>(stopped.deleted()));
    assertEquals(
        Set.of("ConfigMap/staging-hub-alice-settings", "PersistentVolumeClaim/staging-hub-alice"),
        new TreeSet<>(stopped.kept()));
    all.remove("Pod/staging-hub-alice");
    all.remove("Service/staging-hub-alice");
    assertEquals(all, objects(ns), "only alice's default server's server-stopped objects");

    var deleted = s.launcher().stop("alice", "", Lifecycle.SERVER_DELETED);
    assertEquals(List.of("ConfigMap/staging-hub-alice-settings"), deleted.deleted());
    assertEquals(List.of("PersistentVolumeClaim/staging-hub-alice"), deleted.kept());
    all.remove("ConfigMap/staging-hub-alice-settings");
    assertEquals(all, objects(ns), "only its server-deleted one");

    var gone = s.launcher().stop("alice", "", Lifecycle.USER_DELETED);
    Set<String> alicesRest = new TreeSet<>(alicesGpu);
    alicesRest.add("PersistentVolumeClaim/staging-hub-alice");
    assertEquals(alicesRest, new TreeSet<>(gone.deleted()), "all of alice's, every server");
    assertEquals(List.of(), gone.kept());
    assertEquals(bobs, objects(ns), "bob's objects are untouched");
    assertEquals(
        Set.of("tpl", "hubpolicy-services-bob", "staging-hub-bob-settings"),
        names(ns, CONFIG_MAPS),
        "alice's anchors are gone, bob's is there");
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
