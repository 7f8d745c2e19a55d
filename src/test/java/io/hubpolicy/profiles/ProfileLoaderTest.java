package io.hubpolicy.profiles;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.TemplateRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileLoaderTest {
  private static final String KEY = ProfileLoader.DEFAULT_DATA_KEY;

  // ------------------------------------------------------------------ helpers

  private static ProfileLoader.Result load(String yaml) {
    return load("t.yaml", yaml);
  }

  private static ProfileLoader.Result load(String name, String yaml) {
    return new ProfileLoader().read(List.of(new ConfigSource(name, yaml)));
  }

  /** Loads text that must have no problems. */
  private static PolicyConfig ok(String yaml) {
    ProfileLoader.Result r = load(yaml);
    assertEquals(List.of(), r.problems(), "unexpected problems");
    return r.config();
  }

  private static Profile onlyProfile(String yaml) {
    PolicyConfig c = ok(yaml);
    assertEquals(1, c.profiles().size(), () -> "profiles: " + c.profiles());
    return c.profiles().get(0);
  }

  private static Problem onlyProblem(ProfileLoader.Result r) {
    assertEquals(1, r.problems().size(), () -> "problems: " + r.problems());
    return r.problems().get(0);
  }

  /**
   * Asserts source, line and field exactly, and that the message (and the rendering) name {@code
   * names}.
   */
  private static void assertProblem(
      Problem p, String source, int line, String field, String messagePart, String names) {
    assertEquals(source, p.source(), () -> "source of " + p);
    assertEquals(line, p.line(), () -> "line of " + p);
    assertEquals(field, p.field(), () -> "field of " + p);
    assertTrue(
        p.message().contains(messagePart), () -> "message of " + p + " lacks: " + messagePart);
    assertTrue(p.toString().contains(names), () -> "rendering of " + p + " does not name " + names);
  }

  private static List<String> names(PolicyConfig c) {
    return c.profiles().stream().map(Profile::name).toList();
  }

  private static Map<String, EnvVar> envByName(Profile p) {
    Map<String, EnvVar> m = new LinkedHashMap<>();
    p.env().forEach(e -> m.put(e.getName(), e));
    return m;
  }

  private static Map<String, String> resources(Map<String, Quantity> r) {
    Map<String, String> m = new LinkedHashMap<>();
    r.forEach((k, q) -> m.put(k, q.toString()));
    return m;
  }

  private static String configMap(String name, String indentedProfiles) {
    return "apiVersion: v1\n"
        + "kind: ConfigMap\n"
        + "metadata:\n"
        + "  name: "
        + name
        + "\n"
        + "data:\n"
        + "  "
        + KEY
        + ": |\n"
        + indentedProfiles
            .lines()
            .map(l -> l.isEmpty() ? "" : "    " + l)
            .collect(Collectors.joining("\n", "", "\n"));
  }

  private static final String SIMPLE =
      """
      profiles:
      - name: globals
        env:
        - name: A
          value: "1"
      - name: thoth
        users: [vpavlin, fpokorny]
        groups: [data-science]
        images: ['s2i-thoth-notebook:3.6']
      sizes:
      - name: Small
        resources:
          requests: {memory: 1Gi, cpu: "1"}
          limits: {memory: 2Gi, cpu: "2"}
      gpuTypes:
      - type: default
        node_tolerations:
        - {key: gpu, operator: Exists, effect: NoSchedule}
      ui:
        gpuConfig: {enabled: true}
      """;

  private static void assertSimple(PolicyConfig c) {
    assertEquals(List.of("globals", "thoth"), names(c));
    Profile thoth = c.profiles().get(1);
    assertEquals(1, thoth.order());
    assertEquals(List.of("vpavlin", "fpokorny"), thoth.users());
    assertEquals(List.of("data-science"), thoth.groups());
    assertEquals(List.of("s2i-thoth-notebook:3.6"), thoth.images());
    assertEquals("1", c.profiles().get(0).env().get(0).getValue());
    assertEquals(1, c.sizes().size());
    assertEquals("Small", c.sizes().get(0).name());
    assertEquals(
        Map.of(
            "requests.memory",
            "1Gi",
            "requests.cpu",
            "1",
            "limits.memory",
            "2Gi",
            "limits.cpu",
            "2"),
        resources(c.sizes().get(0).resources()));
    assertEquals(1, c.gpuTypes().size());
    assertEquals("default", c.gpuTypes().get(0).type());
    assertEquals("gpu", c.gpuTypes().get(0).tolerations().get(0).getKey());
    assertEquals(Map.of("gpuConfig", Map.of("enabled", true)), c.ui());
  }

  // ------------------------------------------------------------------ accepted forms

  @Nested
  class Forms {
    @Test
    void plainFile() {
      PolicyConfig c = ok(SIMPLE);
      assertSimple(c);
      assertEquals(List.of("t.yaml"), c.sources());
      assertEquals("t.yaml", c.profiles().get(1).source().source());
      assertEquals(6, c.profiles().get(1).source().line());
    }

    @Test
    void configMapManifest() {
      String cm = configMap("jupyter-singleuser-profiles", SIMPLE);
      PolicyConfig c = ok(cm);
      assertSimple(c);
      // the profile's source line is the line in the manifest (header is 6 lines)
      assertEquals(12, c.profiles().get(1).source().line());
      assertTrue(c.profiles().get(1).source().source().startsWith("t.yaml"));
    }

    @Test
    void configMapWithBlockChompingAndOtherKeys() {
      String cm =
          """
          kind: ConfigMap
          apiVersion: v1
          metadata:
            name: x
          data:
            other.txt: hello
            jupyterhub-singleuser-profiles.yaml: |-
              profiles:
              - name: only
            more: stuff
          """;
      PolicyConfig c = ok(cm);
      assertEquals(List.of("only"), names(c));
      assertEquals(9, c.profiles().get(0).source().line());
    }

    @Test
    void configMapWithoutProfileKeyIsANoteNotAProblem() {
      String cm =
          """
          kind: ConfigMap
          apiVersion: v1
          metadata:
            name: spark-cluster-template
          data:
            sparkClusterTemplate: |
              kind: SparkCluster
          """;
      PolicyConfig c = ok(cm);
      assertEquals(List.of(), c.profiles());
      assertEquals(1, c.notes().size());
      assertTrue(c.notes().get(0).contains("spark-cluster-template"), c.notes().toString());
    }

    @Test
    void customDataKey() {
      String cm =
          """
          kind: ConfigMap
          metadata: {name: x}
          data:
            profiles.yaml: |
              profiles: [{name: custom}]
          """;
      ProfileLoader.Result r =
          new ProfileLoader("profiles.yaml").read(List.of(new ConfigSource("c.yaml", cm)));
      assertEquals(List.of(), r.problems());
      assertEquals(List.of("custom"), names(r.config()));
    }

    @Test
    void multiDocumentFile() {
      String yaml =
          """
          profiles:
          - name: first
          ---
          kind: ConfigMap
          apiVersion: v1
          metadata: {name: cm}
          data:
            jupyterhub-singleuser-profiles.yaml: |
              profiles:
              - name: second
              sizes:
              - name: S
                resources: {limits: {memory: 1Gi}}
          ---
          - name: third
            users: [u]
          ---
          sizes:
          - name: L
            resources: {limits: {memory: 8Gi}}
          """;
      PolicyConfig c = ok(yaml);
      assertEquals(List.of("first", "second", "third"), names(c));
      assertEquals(List.of(0, 1, 2), c.profiles().stream().map(Profile::order).toList());
      assertEquals(List.of("S", "L"), c.sizes().stream().map(Size::name).toList());
      assertEquals(2, c.profiles().get(0).source().line());
      assertEquals(10, c.profiles().get(1).source().line());
      assertEquals(15, c.profiles().get(2).source().line());
      assertEquals(List.of("u"), c.profiles().get(2).users());
    }

    @Test
    void legacyTopLevelList() {
      String yaml =
          """
          - name: global
            env:
              JUPYTER_PRELOAD_REPOS: ""
            resources:
              mem_limit: "1Gi"
              cpu_limit: "1"
          - name: second
            images: [a]
          """;
      PolicyConfig c = ok(yaml);
      assertEquals(List.of("global", "second"), names(c));
      assertEquals("", c.profiles().get(0).env().get(0).getValue());
      assertEquals(
          Map.of(
              "requests.memory",
              "1Gi",
              "limits.memory",
              "1Gi",
              "requests.cpu",
              "1",
              "limits.cpu",
              "1"),
          resources(c.profiles().get(0).resources()));
      assertEquals(List.of(), c.sizes());
    }

    @Test
    void legacyTopLevelListInsideConfigMap() {
      String cm =
          """
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: jupyter-singleuser-profiles
          data:
            jupyterhub-singleuser-profiles.yaml: |-
              - name: global
                env:
                  JUPYTER_PRELOAD_REPOS: ""
          """;
      PolicyConfig c = ok(cm);
      assertEquals(List.of("global"), names(c));
      assertEquals(7, c.profiles().get(0).source().line());
    }

    /**
     * An empty source was once a note; it is refused now, since a file caught mid-write looks the
     * same and taking it left every request naming a size failing.
     */
    @Test
    void anEmptyFileIsRefusedAndProfilesEmptyIsNot() {
      for (String empty : List.of("", "# nothing here\n", "---\n", "\n\n---\n# x\n")) {
        Problem p = onlyProblem(load(empty));
        assertProblem(p, "t.yaml", 1, "", "is empty: refused", "profiles: []");
      }
      assertEquals(List.of(), ok("profiles: []\n").profiles());
      Problem inConfigMap = onlyProblem(load(configMap("c", "")));
      assertTrue(inConfigMap.message().startsWith("is empty"), inConfigMap.toString());
    }

    @Test
    void directoryIsReadAlphabetically(@TempDir Path dir) throws IOException {
      Files.writeString(dir.resolve("20-b.yaml"), "profiles: [{name: b}]\n");
      Files.writeString(
          dir.resolve("10-a.yaml"),
          "profiles: [{name: a}]\nsizes: [{name: S, resources: {limits: {cpu: '1'}}}]\n");
      Files.writeString(dir.resolve("30-c.yml"), configMap("c", "profiles: [{name: c}]\n"));
      Files.writeString(dir.resolve("25-list.yaml"), "- name: list\n");
      Files.writeString(dir.resolve(".hidden.yaml"), "profiles: [{name: hidden}]\n");
      Files.writeString(dir.resolve("README.md"), "profiles: [{name: readme}]\n");
      ProfileLoader.Result r = new ProfileLoader().readPaths(List.of(dir));
      assertEquals(List.of(), r.problems());
      PolicyConfig c = r.config();
      assertEquals(List.of("a", "b", "list", "c"), names(c));
      assertEquals(List.of(0, 1, 2, 3), c.profiles().stream().map(Profile::order).toList());
      assertEquals(
          List.of(
              dir.resolve("10-a.yaml").toString(),
              dir.resolve("20-b.yaml").toString(),
              dir.resolve("25-list.yaml").toString(),
              dir.resolve("30-c.yml").toString()),
          c.sources());
      assertEquals(dir.resolve("20-b.yaml").toString(), c.profiles().get(1).source().source());
    }

    @Test
    void severalPathsAreConcatenatedInTheGivenOrder(@TempDir Path dir) throws IOException {
      Path sub = Files.createDirectory(dir.resolve("d"));
      Files.writeString(sub.resolve("b.yaml"), "profiles: [{name: d-b}]\n");
      Files.writeString(sub.resolve("a.yaml"), "profiles: [{name: d-a}]\n");
      Path z = Files.writeString(dir.resolve("z.yaml"), "profiles: [{name: z}]\n");
      Path y = Files.writeString(dir.resolve("y.yaml"), "profiles: [{name: y1}, {name: y2}]\n");
      ProfileLoader.Result r = new ProfileLoader().readPaths(List.of(z, sub, y));
      assertEquals(List.of(), r.problems());
      assertEquals(List.of("z", "d-a", "d-b", "y1", "y2"), names(r.config()));
      assertEquals(
          List.of(0, 1, 2, 3, 4), r.config().profiles().stream().map(Profile::order).toList());
    }

    @Test
    void severalSourcesAreConcatenatedInTheGivenOrder() {
      ProfileLoader.Result r =
          new ProfileLoader()
              .read(
                  List.of(
                      new ConfigSource(
                          "second.yaml",
                          "profiles: [{name: s1}, {name: s2}]\nsizes: [{name: M, resources: {limits: {memory: 1Gi}}}]\n"),
                      new ConfigSource(
                          "first.yaml",
                          configMap(
                              "f",
                              "profiles: [{name: f1}]\nsizes: [{name: M, resources: {limits: {memory: 4Gi}}}]\n")),
                      new ConfigSource("third.yaml", "- name: t1\n")));
      assertEquals(List.of(), r.problems());
      PolicyConfig c = r.config();
      assertEquals(List.of("s1", "s2", "f1", "t1"), names(c));
      assertEquals(List.of(0, 1, 2, 3), c.profiles().stream().map(Profile::order).toList());
      assertEquals(List.of("second.yaml", "first.yaml", "third.yaml"), c.sources());
      // later sizes with the same name win
      assertEquals(1, c.sizesByName().size());
      assertEquals("4Gi", c.sizesByName().get("M").resources().get("limits.memory").toString());
    }

    @Test
    void missingPathIsAProblem(@TempDir Path dir) {
      Path missing = dir.resolve("nope.yaml");
      ProfileLoader.Result r = new ProfileLoader().readPaths(List.of(missing));
      Problem p = onlyProblem(r);
      assertEquals(missing.toString(), p.source());
      assertTrue(p.message().contains("no such file"), p.toString());
    }

    @Test
    void uiSectionsMergePerTopLevelKey() {
      ProfileLoader.Result r =
          new ProfileLoader()
              .read(
                  List.of(
                      new ConfigSource(
                          "a",
                          "ui:\n  gpuConfig: {enabled: false}\n  sizeConfig: {enabled: true}\n"),
                      new ConfigSource(
                          "b", "ui:\n  gpuConfig: {enabled: true, type: dropdown}\n")));
      assertEquals(List.of(), r.problems());
      assertEquals(
          Map.of(
              "gpuConfig",
              Map.of("enabled", true, "type", "dropdown"),
              "sizeConfig",
              Map.of("enabled", true)),
          r.config().ui());
    }

    @Test
    void orThrowCarriesEveryProblem() {
      ProfileLoader.Result r = load("profiles:\n- name: a\n  imagez: []\n- name: b\n  userz: []\n");
      InvalidConfigException e = assertThrows(InvalidConfigException.class, r::orThrow);
      assertEquals(2, e.problems().size());
      assertTrue(
          e.getMessage().contains("imagez") && e.getMessage().contains("userz"), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ profile fields

  @Nested
  class Fields {
    @Test
    void legacyEnvMapBecomesEnvVarList() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            env:
              S3_ENDPOINT_URL: $(s3_endpoint_url)
              EMPTY: ""
              NOTHING:
              PORT: 80
              RATIO: 1.50
              FLAG: true
              PATHY: '$PYTHONPATH:/opt/x'
          """);
      assertEquals(
          List.of("S3_ENDPOINT_URL", "EMPTY", "NOTHING", "PORT", "RATIO", "FLAG", "PATHY"),
          p.env().stream().map(EnvVar::getName).toList());
      Map<String, EnvVar> env = envByName(p);
      assertEquals("$(s3_endpoint_url)", env.get("S3_ENDPOINT_URL").getValue());
      assertEquals("", env.get("EMPTY").getValue());
      assertEquals("", env.get("NOTHING").getValue());
      assertEquals("80", env.get("PORT").getValue());
      assertEquals("1.50", env.get("RATIO").getValue());
      assertEquals("true", env.get("FLAG").getValue());
      assertEquals("$PYTHONPATH:/opt/x", env.get("PATHY").getValue());
      p.env().forEach(e -> assertNull(e.getValueFrom(), e.getName()));
    }

    @Test
    void envListWithValueAndValueFrom() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            env:
            - name: PLAIN
              value: "text"
            - name: PORT
              value: 8080
            - name: PI
              value: 3.14
            - name: ON
              value: false
            - name: REF
              value: $(s3_endpoint_url)
            - name: NOVALUE
            - name: SECRET
              valueFrom:
                secretKeyRef:
                  name: testing-secret-token
                  key: SECRET_TOKEN
            - name: CM
              valueFrom:
                configMapKeyRef:
                  name: myconfigmap
                  key: mykey
                  optional: true
          """);
      Map<String, EnvVar> env = envByName(p);
      assertEquals(
          List.of("PLAIN", "PORT", "PI", "ON", "REF", "NOVALUE", "SECRET", "CM"),
          List.copyOf(env.keySet()));
      assertEquals("text", env.get("PLAIN").getValue());
      assertEquals("8080", env.get("PORT").getValue());
      assertEquals("3.14", env.get("PI").getValue());
      assertEquals("false", env.get("ON").getValue());
      assertEquals("$(s3_endpoint_url)", env.get("REF").getValue());
      assertEquals("", env.get("NOVALUE").getValue());
      EnvVar secret = env.get("SECRET");
      assertNull(secret.getValue());
      assertEquals("testing-secret-token", secret.getValueFrom().getSecretKeyRef().getName());
      assertEquals("SECRET_TOKEN", secret.getValueFrom().getSecretKeyRef().getKey());
      assertNull(secret.getValueFrom().getConfigMapKeyRef());
      EnvVar cm = env.get("CM");
      assertEquals("myconfigmap", cm.getValueFrom().getConfigMapKeyRef().getName());
      assertEquals("mykey", cm.getValueFrom().getConfigMapKeyRef().getKey());
      assertEquals(Boolean.TRUE, cm.getValueFrom().getConfigMapKeyRef().getOptional());
    }

    @Test
    void legacyMemAndCpuLimitAreRequestsAndLimits() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            resources:
              mem_limit: 2Gi
              cpu_limit: 1
          """);
      assertEquals(
          Map.of(
              "requests.memory",
              "2Gi",
              "limits.memory",
              "2Gi",
              "requests.cpu",
              "1",
              "limits.cpu",
              "1"),
          resources(p.resources()));
    }

    @Test
    void legacyOnlyMemLimit() {
      Profile p = onlyProfile("profiles:\n- name: g\n  resources: {mem_limit: 512M}\n");
      assertEquals(
          Map.of("requests.memory", "512M", "limits.memory", "512M"), resources(p.resources()));
    }

    @Test
    void legacySizeResources() {
      PolicyConfig c =
          ok("sizes:\n- name: Large\n  resources:\n    mem_limit: 8Gi\n    cpu_limit: 8\n");
      assertEquals(
          Map.of(
              "requests.memory",
              "8Gi",
              "limits.memory",
              "8Gi",
              "requests.cpu",
              "8",
              "limits.cpu",
              "8"),
          resources(c.sizes().get(0).resources()));
    }

    @Test
    void currentRequestsAndLimits() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            resources:
              requests:
                memory: "500Mi"
                cpu: "250m"
              limits:
                memory: 1.5Gi
                cpu: 2
                nvidia.com/gpu: 1
          """);
      assertEquals(
          Map.of(
              "requests.memory", "500Mi",
              "requests.cpu", "250m",
              "limits.memory", "1.5Gi",
              "limits.cpu", "2",
              "limits.nvidia.com/gpu", "1"),
          resources(p.resources()));
    }

    @Test
    void tolerationsAndNodeAffinity() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: Special Nodes
            users:
            - acorvin
            node_tolerations:
              - key: some_node_label
                operator: Equal
                value: label_target_value
                effect: NoSchedule
              - key: other
                operator: Exists
                tolerationSeconds: 30
            node_affinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                    - key: some_node_label
                      operator: In
                      values:
                      - v1
                      - v2
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 10
                preference:
                  matchExpressions:
                  - {key: zone, operator: In, values: [a]}
          """);
      assertEquals(2, p.tolerations().size());
      Toleration t = p.tolerations().get(0);
      assertEquals("some_node_label", t.getKey());
      assertEquals("Equal", t.getOperator());
      assertEquals("label_target_value", t.getValue());
      assertEquals("NoSchedule", t.getEffect());
      assertEquals(30L, p.tolerations().get(1).getTolerationSeconds());
      NodeSelectorRequirement req =
          p.nodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms()
              .get(0)
              .getMatchExpressions()
              .get(0);
      assertEquals("some_node_label", req.getKey());
      assertEquals("In", req.getOperator());
      assertEquals(List.of("v1", "v2"), req.getValues());
      assertEquals(
          10,
          p.nodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0).getWeight());
      assertEquals(
          "zone",
          p.nodeAffinity()
              .getPreferredDuringSchedulingIgnoredDuringExecution()
              .get(0)
              .getPreference()
              .getMatchExpressions()
              .get(0)
              .getKey());
    }

    @Test
    void volumesWithMountPathReadOnlyAndSubPath() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            volumes:
            - name: data
              persistentVolumeClaim:
                claimName: data-pvc
              mountPath: /opt/app-root/data
              readOnly: true
              subPath: team
            - name: cfg
              configMap:
                name: my-config
              mountPath: config
          """);
      assertEquals(2, p.volumes().size());
      ProfileVolume data = p.volumes().get(0);
      assertEquals("data", data.name());
      assertEquals("data-pvc", data.volume().getPersistentVolumeClaim().getClaimName());
      assertEquals("/opt/app-root/data", data.mountPath());
      assertTrue(data.readOnly());
      assertEquals("team", data.subPath());
      assertTrue(
          data.volume().getAdditionalProperties().isEmpty(),
          "mount keys must not leak into the Volume");
      ProfileVolume cfg = p.volumes().get(1);
      assertEquals("cfg", cfg.name());
      assertEquals("my-config", cfg.volume().getConfigMap().getName());
      assertEquals("config", cfg.mountPath());
      assertFalse(cfg.readOnly());
      assertNull(cfg.subPath());
    }

    @Test
    void volumeWithoutMountPathIsAProblem() {
      Problem p =
          onlyProblem(load("profiles:\n- name: g\n  volumes:\n  - name: v\n    emptyDir: {}\n"));
      assertProblem(p, "t.yaml", 4, "profiles[0].volumes[0].mountPath", "is required", "mountPath");
    }

    @Test
    void gpuCount() {
      assertEquals(2, onlyProfile("profiles:\n- name: g\n  gpu: 2\n").gpu());
      assertEquals(0, onlyProfile("profiles:\n- name: g\n  gpu: 0\n").gpu());
      assertNull(onlyProfile("profiles:\n- name: g\n").gpu());
      Problem p = onlyProblem(load("profiles:\n- name: g\n  gpu: -1\n"));
      assertProblem(p, "t.yaml", 3, "profiles[0].gpu", "whole number", "gpu");
      Problem q = onlyProblem(load("profiles:\n- name: g\n  gpu: lots\n"));
      assertProblem(q, "t.yaml", 3, "profiles[0].gpu", "'lots'", "gpu");
    }

    @Test
    void servicesInResourcesForm() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: Spark Notebook
            images:
            - 's2i-spark-notebook:3.6'
            services:
              spark:
                resources:
                - name: spark-cluster-template
                  path: sparkClusterTemplate
                configuration:
                  worker_instances: 1
                  worker_memory_limit: 4Gi
                labels:
                  opendatahub.io/component: jupyterhub
                return:
                  SPARK_CLUSTER: 'metadata.name'
                lifecycle: server-stopped
              airflow:
                resources:
                - name: jupyter-services-template
                  path: airflowCluster
                - name: jupyter-services-template
                  path: airflowBase
          """);
      assertEquals(List.of("spark", "airflow"), List.copyOf(p.services().keySet()));
      ServiceSpec spark = p.services().get("spark");
      assertEquals(
          List.of(new TemplateRef("spark-cluster-template", "sparkClusterTemplate")),
          spark.resources());
      assertNull(spark.template());
      assertEquals(Map.of(), spark.parameters());
      assertEquals(
          Map.of("worker_instances", 1, "worker_memory_limit", "4Gi"), spark.configuration());
      assertEquals(Map.of("opendatahub.io/component", "jupyterhub"), spark.labels());
      assertEquals(Map.of("SPARK_CLUSTER", "metadata.name"), spark.returns());
      assertEquals("server-stopped", spark.lifecycle().wire());
      ServiceSpec airflow = p.services().get("airflow");
      assertEquals(
          List.of(
              new TemplateRef("jupyter-services-template", "airflowCluster"),
              new TemplateRef("jupyter-services-template", "airflowBase")),
          airflow.resources());
      assertEquals(Map.of(), airflow.returns());
      assertNull(airflow.lifecycle());
    }

    @Test
    void servicesInClassicTemplateForm() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: Spark Notebook
            services:
              spark:
                template: 'jupyterhub-spark-operator-configmap'
                parameters:
                  WORKER_NODES: '2'
                  MASTER_NODES: 1
                  SPARK_IMAGE: 'quay.io/opendatahub/spark-cluster-image:spark22python36'
                return:
                  SPARK_CLUSTER: 'metadata.name'
          """);
      ServiceSpec spark = p.services().get("spark");
      assertEquals("jupyterhub-spark-operator-configmap", spark.template());
      assertEquals(List.of(), spark.resources());
      assertEquals(
          Map.of(
              "WORKER_NODES", "2",
              "MASTER_NODES", "1",
              "SPARK_IMAGE", "quay.io/opendatahub/spark-cluster-image:spark22python36"),
          spark.parameters());
      assertEquals(Map.of("SPARK_CLUSTER", "metadata.name"), spark.returns());
      assertEquals(Map.of(), spark.labels());
    }

    @Test
    void serviceNeedsExactlyOneForm() {
      Problem none =
          onlyProblem(load("profiles:\n- name: g\n  services:\n    s:\n      labels: {a: b}\n"));
      assertProblem(
          none, "t.yaml", 5, "profiles[0].services.s", "needs either resources", "services.s");
      Problem both =
          onlyProblem(
              load(
                  "profiles:\n- name: g\n  services:\n    s:\n      template: t\n      resources: [{name: n, path: p}]\n"));
      assertProblem(
          both, "t.yaml", 5, "profiles[0].services.s", "both resources and template", "services.s");
    }
  }

  // ------------------------------------------------------------------ strictness

  @Nested
  class Strictness {
    @Test
    void unknownTopLevelKey() {
      Problem p = onlyProblem(load("profiles: []\nsize:\n- name: S\n"));
      assertProblem(p, "t.yaml", 2, "size", "unknown key 'size'", "size");
      assertTrue(p.message().contains("sizes"), "lists the known keys: " + p);
    }

    @Test
    void unknownProfileKey() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: a
          - name: b
            users: [x]
            imagez:
            - 's2i-thoth-notebook:3.6'
          """);
      Problem p = onlyProblem(r);
      assertProblem(p, "t.yaml", 5, "profiles[1].imagez", "unknown key 'imagez'", "imagez");
      assertTrue(p.message().contains("images"), p.toString());
      // a profile with a problem is not half-loaded
      assertEquals(List.of("a"), names(r.config()));
    }

    @Test
    void unknownKeyInLegacyTopLevelList() {
      Problem p = onlyProblem(load("- name: a\n  imagez: []\n"));
      assertProblem(p, "t.yaml", 2, "[0].imagez", "unknown key 'imagez'", "imagez");
    }

    @Test
    void unknownKeyInsideSecretKeyRef() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: globals
            env:
            - name: OK
              value: x
            - name: MYAPP_SECRET_TOKEN
              valueFrom:
                secretKeyRef:
                  key: SECRET_TOKEN
                  nmae: testing-secret-token
          """));
      assertProblem(
          p,
          "t.yaml",
          10,
          "profiles[0].env[1].valueFrom.secretKeyRef.nmae",
          "unknown key 'nmae'",
          "nmae");
    }

    @Test
    void anUnknownKeyInsideAKubernetesObjectNamesItsOwnTypeAndItsKeys() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: g
            env:
            - name: T
              valueFrom:
                secretKeyRef: {nmae: s, key: k}
          """));
      // Not "for EnvVarSource": the key is one of the SecretKeySelector inside it.
      assertTrue(
          p.message()
              .startsWith("unknown key 'nmae' for SecretKeySelector (known keys: key, name,"),
          p.message());
      Problem q =
          onlyProblem(
              load("profiles:\n- name: g\n  node_tolerations: [{key: k, efect: NoSchedule}]\n"));
      assertTrue(
          q.message().startsWith("unknown key 'efect' for Toleration (known keys: "), q.message());
      assertTrue(q.message().contains("effect"), q.message());
    }

    @Test
    void aNegativeQuantityIsRefusedWhereItIsWritten() {
      Problem p =
          onlyProblem(load("profiles:\n- name: g\n  resources:\n    limits: {cpu: '-1'}\n"));
      assertProblem(p, "t.yaml", 4, "profiles[0].resources.limits.cpu", "is negative", "-1");
      Problem q = onlyProblem(load("sizes:\n- name: S\n  resources: {mem_limit: -2Gi}\n"));
      assertProblem(q, "t.yaml", 3, "sizes[0].resources.mem_limit", "is negative", "-2Gi");
    }

    @Test
    void aSizeNamedDefaultIsRefused() {
      Problem p =
          onlyProblem(
              load("sizes:\n- name: Small\n  resources: {}\n- name: Default\n  resources: {}\n"));
      assertProblem(p, "t.yaml", 4, "sizes[1].name", "'Default' is reserved", "Default");
    }

    @Test
    void unknownKeyInEnvEntry() {
      Problem p = onlyProblem(load("profiles:\n- name: g\n  env:\n  - name: A\n    valeu: x\n"));
      assertProblem(p, "t.yaml", 5, "profiles[0].env[0].valeu", "unknown key 'valeu'", "valeu");
    }

    @Test
    void unknownKeyInToleration() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: Special Nodes
            node_tolerations:
              - key: some_node_label
                operator: Equal
              - key: other
                operater: Equal
                effect: NoSchedule
          """));
      assertProblem(
          p,
          "t.yaml",
          7,
          "profiles[0].node_tolerations[1].operater",
          "unknown key 'operater'",
          "operater");
    }

    @Test
    void unknownKeyDeepInNodeAffinity() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: n
            node_affinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                    - key: some_node_label
                      operator: In
                      valuse: [a]
          """));
      assertProblem(
          p,
          "t.yaml",
          9,
          "profiles[0].node_affinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].valuse",
          "unknown key 'valuse'",
          "valuse");
    }

    @Test
    void unknownKeyInVolume() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: v
            volumes:
            - name: data
              mountPath: /data
              persistentVolumeClaim:
                claimNam: pvc
          """));
      assertProblem(
          p,
          "t.yaml",
          7,
          "profiles[0].volumes[0].persistentVolumeClaim.claimNam",
          "unknown key 'claimNam'",
          "claimNam");
    }

    @Test
    void unknownKeyInResourcesSizeAndService() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: a
            resources:
              limit: {memory: 1Gi}
            services:
              s:
                template: t
                returns: {X: y}
          sizes:
          - name: S
            resource: {}
          """);
      assertEquals(3, r.problems().size(), r.problems().toString());
      assertProblem(
          r.problems().get(0),
          "t.yaml",
          4,
          "profiles[0].resources.limit",
          "unknown key 'limit'",
          "limit");
      assertProblem(
          r.problems().get(1),
          "t.yaml",
          8,
          "profiles[0].services.s.returns",
          "unknown key 'returns'",
          "returns");
      assertProblem(
          r.problems().get(2),
          "t.yaml",
          11,
          "sizes[0].resource",
          "unknown key 'resource'",
          "resource");
    }

    @Test
    void badQuantity() {
      Problem p =
          onlyProblem(
              load(
                  """
          profiles:
          - name: g
            resources:
              requests:
                cpu: 500m
                memory: 1Gx
          """));
      assertProblem(
          p,
          "t.yaml",
          6,
          "profiles[0].resources.requests.memory",
          "'1Gx' is not a Kubernetes quantity",
          "memory");
    }

    @Test
    void badLegacyQuantity() {
      Problem p = onlyProblem(load("sizes:\n- name: S\n  resources:\n    mem_limit: two gigs\n"));
      assertProblem(p, "t.yaml", 4, "sizes[0].resources.mem_limit", "'two gigs'", "mem_limit");
    }

    @Test
    void mixingLegacyAndCurrentResourcesIsAProblem() {
      Problem p =
          onlyProblem(
              load(
                  "profiles:\n- name: g\n  resources:\n    mem_limit: 1Gi\n    limits: {cpu: 1}\n"));
      assertProblem(
          p,
          "t.yaml",
          4,
          "profiles[0].resources",
          "mixes mem_limit/cpu_limit with requests/limits",
          "resources");
    }

    @Test
    void usersAsAString() {
      Problem p = onlyProblem(load("profiles:\n- name: g\n  users: vpavlin\n"));
      assertProblem(
          p,
          "t.yaml",
          3,
          "profiles[0].users",
          "must be a list of strings, found a string",
          "users");
    }

    @Test
    void envAsAString() {
      Problem p = onlyProblem(load("profiles:\n- name: g\n  env: FOO=bar\n"));
      assertProblem(p, "t.yaml", 3, "profiles[0].env", "found a string", "env");
    }

    @Test
    void tolerationWithWrongValueType() {
      Problem p =
          onlyProblem(
              load(
                  "profiles:\n- name: g\n  node_tolerations:\n  - key: k\n    tolerationSeconds: soon\n"));
      assertEquals("t.yaml", p.source());
      assertEquals(4, p.line());
      assertEquals("profiles[0].node_tolerations[0]", p.field());
      assertTrue(p.message().contains("is not a valid Toleration"), p.toString());
    }

    @Test
    void missingProfileName() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: ok
          - users: [acorvin]
            images: [x]
          """);
      Problem p = onlyProblem(r);
      assertProblem(p, "t.yaml", 3, "profiles[1].name", "is required", "name");
      assertEquals(List.of("ok"), names(r.config()));
    }

    @Test
    void missingSizeName() {
      Problem p = onlyProblem(load("sizes:\n- resources: {limits: {cpu: 1}}\n"));
      assertProblem(p, "t.yaml", 2, "sizes[0].name", "is required", "name");
    }

    @Test
    void duplicateKey() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: a
            users: [x]
            name: b
          """);
      Problem p = onlyProblem(r);
      assertEquals("t.yaml", p.source());
      assertEquals(4, p.line());
      assertTrue(p.field().endsWith("name"), p.toString());
      assertTrue(p.message().contains("duplicate key 'name'"), p.toString());
      assertTrue(p.message().contains("line 2"), "names the first occurrence: " + p);
    }

    @Test
    void duplicateKeyFieldIsTheFullPath() {
      Problem p = onlyProblem(load("profiles:\n- name: a\n  users: [x]\n  name: b\n"));
      assertEquals("profiles[0].name", p.field());
    }

    @Test
    void invalidYamlSyntax() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: a
            users: [x, y
            images: [z]
          """);
      Problem p = onlyProblem(r);
      assertEquals("t.yaml", p.source());
      assertEquals(4, p.line());
      assertTrue(p.message().startsWith("invalid YAML"), p.toString());
    }

    @Test
    void invalidYamlSyntaxBadIndentation() {
      Problem p = onlyProblem(load("profiles:\n- name: a\n  users: x: y\n"));
      assertEquals("t.yaml", p.source());
      assertEquals(3, p.line());
      assertTrue(p.message().startsWith("invalid YAML"), p.toString());
    }

    @Test
    void problemInsideConfigMapReportsTheOuterLine() {
      String cm =
          """
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: jupyter-singleuser-profiles
          data:
            jupyterhub-singleuser-profiles.yaml: |
              profiles:
              - name: globals
                env:
                - name: A
                  value: "1"
              - name: thoth
                imagez:
                - 's2i-thoth-notebook:3.6'
                resources:
                  limits:
                    memory: 1Gx
          """;
      ProfileLoader.Result r = load("cm.yaml", cm);
      assertEquals(2, r.problems().size(), r.problems().toString());
      Problem unknown = r.problems().get(0);
      assertTrue(unknown.source().startsWith("cm.yaml"), unknown.toString());
      assertTrue(unknown.source().contains("jupyter-singleuser-profiles"), unknown.toString());
      assertEquals(13, unknown.line());
      assertEquals("profiles[1].imagez", unknown.field());
      assertTrue(unknown.message().contains("unknown key 'imagez'"));
      Problem quantity = r.problems().get(1);
      assertEquals(17, quantity.line());
      assertEquals("profiles[1].resources.limits.memory", quantity.field());
      assertTrue(
          quantity.toString().contains("cm.yaml") && quantity.toString().contains(":17:"),
          quantity.toString());
    }

    @Test
    void problemInsideConfigMapAfterOtherDocumentsAndKeys() {
      String yaml =
          """
          profiles: [{name: first}]
          ---
          kind: ConfigMap
          apiVersion: v1
          metadata:
            name: second
          data:
            readme: |
              some text
              more text
            jupyterhub-singleuser-profiles.yaml: |-
              - name: legacy
                env:
                  GOOD: x
                resources:
                  mem_limit: 1Gi
                  cpu_limt: 1
          """;
      Problem p = onlyProblem(load("m.yaml", yaml));
      assertEquals(17, p.line(), p.toString());
      assertEquals("[0].resources.cpu_limt", p.field());
      assertTrue(p.source().startsWith("m.yaml") && p.source().contains("second"), p.toString());
    }

    @Test
    void syntaxErrorInsideConfigMapReportsTheOuterLine() {
      String cm =
          """
          kind: ConfigMap
          apiVersion: v1
          metadata:
            name: broken
          data:
            jupyterhub-singleuser-profiles.yaml: |
              profiles:
              - name: a
                users: [x, y
                images: [z]
          """;
      Problem p = onlyProblem(load("cm.yaml", cm));
      assertEquals(10, p.line(), p.toString());
      assertTrue(p.message().startsWith("invalid YAML"), p.toString());
      assertTrue(p.source().startsWith("cm.yaml"), p.toString());
    }

    @Test
    void duplicateKeyInsideConfigMapReportsTheOuterLine() {
      String cm =
          """
          kind: ConfigMap
          metadata:
            name: dup
          data:
            jupyterhub-singleuser-profiles.yaml: |
              profiles:
              - name: a
                name: b
          """;
      Problem p = onlyProblem(load("cm.yaml", cm));
      assertEquals(8, p.line(), p.toString());
      assertTrue(p.message().contains("duplicate key 'name' (first at line 7)"), p.toString());
    }

    @Test
    void problemInsideAQuotedConfigMapValueReportsALineOfTheFile() {
      String json =
          "{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"},\n"
              + " \"data\": {\""
              + KEY
              + "\": \"profiles:\\n- name: a\\n  imagez: []\\n\"}}\n";
      Problem p = onlyProblem(load("cm.json", json));
      assertEquals("profiles[0].imagez", p.field());
      // the file has two lines; the only line that holds the problem is the one with the string
      assertEquals(2, p.line(), p.toString());
    }

    @Test
    void sourceLineOffsetIsApplied() {
      ProfileLoader.Result r =
          new ProfileLoader()
              .read(
                  List.of(new ConfigSource("ns/cm", "profiles:\n- name: a\n  imagez: []\n", 100)));
      Problem p = onlyProblem(r);
      assertEquals("ns/cm", p.source());
      assertEquals(103, p.line());
    }

    @Test
    void allProblemsOfAFileAreReportedTogether() {
      ProfileLoader.Result r =
          load(
              """
          profiles:
          - name: a
            imagez: []
          - users: vpavlin
          - name: c
            resources:
              limits: {memory: 1Gx}
            node_tolerations:
            - operater: Exists
          sizes:
          - name: S
            resources: {mem_limit: lots}
          extra: 1
          """);
      List<String> got =
          r.problems().stream()
              .map(p -> String.format("%03d %s", p.line(), p.field()))
              .sorted()
              .toList();
      assertEquals(
          List.of(
              "003 profiles[0].imagez",
              "004 profiles[1].name",
              "004 profiles[1].users",
              "007 profiles[2].resources.limits.memory",
              "009 profiles[2].node_tolerations[0].operater",
              "012 sizes[0].resources.mem_limit",
              "013 extra"),
          got,
          r.problems().toString());
      r.problems().forEach(p -> assertEquals("t.yaml", p.source()));
      assertEquals(List.of(), r.config().profiles());
    }

    @Test
    void problemsOfSeveralSourcesAreReportedTogether() {
      ProfileLoader.Result r =
          new ProfileLoader()
              .read(
                  List.of(
                      new ConfigSource("a.yaml", "profiles:\n- name: a\n  userz: []\n"),
                      new ConfigSource("b.yaml", "profiles: [\n"),
                      new ConfigSource(
                          "c.yaml",
                          configMap(
                              "c", "sizes:\n- name: S\n  resources: {limits: {cpu: x1}}\n"))));
      assertEquals(3, r.problems().size(), r.problems().toString());
      assertEquals("a.yaml", r.problems().get(0).source());
      assertEquals(3, r.problems().get(0).line());
      assertEquals("b.yaml", r.problems().get(1).source());
      assertTrue(r.problems().get(1).message().startsWith("invalid YAML"));
      assertTrue(r.problems().get(2).source().startsWith("c.yaml"));
      assertEquals(9, r.problems().get(2).line());
      assertEquals("sizes[0].resources.limits.cpu", r.problems().get(2).field());
    }

    @Test
    void unsupportedKind() {
      Problem p = onlyProblem(load("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"));
      assertProblem(p, "t.yaml", 2, "kind", "unsupported kind 'Secret'", "kind");
    }
  }

  // ------------------------------------------------------------------ YAML tags never run code

  /** Would record its construction if a YAML tag ever made the loader instantiate it. */
  public static final class Boom {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    public Boom() {
      CONSTRUCTED.incrementAndGet();
    }

    public Boom(String s) {
      CONSTRUCTED.incrementAndGet();
    }

    public Boom(List<Object> l) {
      CONSTRUCTED.incrementAndGet();
    }
  }

  @Nested
  class Tags {
    private ProfileLoader.Result safely(String yaml) {
      ProfileLoader.Result r = assertDoesNotThrow(() -> load(yaml));
      assertEquals(0, Boom.CONSTRUCTED.get(), "a tag instantiated a class");
      assertNotNull(r.config());
      return r;
    }

    @Test
    void javaClassTagsAreNotInstantiated() {
      ProfileLoader.Result r =
          safely(
              """
          profiles:
          - name: a
            users: !!io.hubpolicy.profiles.ProfileLoaderTest$Boom ["x"]
          - name: b
            env:
              X: !!io.hubpolicy.profiles.ProfileLoaderTest$Boom "y"
          - name: c
            node_tolerations:
            - !!io.hubpolicy.profiles.ProfileLoaderTest$Boom {key: k}
          - name: !!io.hubpolicy.profiles.ProfileLoaderTest$Boom []
          - name: e
            users: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://127.0.0.1:1/"]]]]
          """);
      // Each profile is either reported as a problem or read as plain data; never as an object.
      Map<String, Profile> byName = new LinkedHashMap<>();
      r.config().profiles().forEach(p -> byName.put(p.name(), p));
      List<String> names = List.of("a", "b", "c", "<tagged list>", "e");
      for (int i = 0; i < names.size(); i++) {
        String prefix = "profiles[" + i + "]";
        boolean reported = r.problems().stream().anyMatch(p -> p.field().startsWith(prefix));
        assertTrue(
            reported ^ byName.containsKey(names.get(i)),
            () -> prefix + ": " + byName.keySet() + " " + r.problems());
      }
      if (byName.containsKey("a")) {
        assertEquals(List.of("x"), byName.get("a").users());
      }
      if (byName.containsKey("b")) {
        assertEquals("y", byName.get("b").env().get(0).getValue());
      }
      if (byName.containsKey("c")) {
        assertEquals("k", byName.get("c").tolerations().get(0).getKey());
      }
      // a name that is a (tagged) list is never a name
      assertTrue(
          r.problems().stream()
              .anyMatch(p -> p.field().equals("profiles[3].name") && p.line() == 10),
          r.problems().toString());
      // the ScriptEngineManager payload is a list of lists, which users cannot hold
      assertFalse(byName.containsKey("e"), byName.toString());
      assertTrue(r.problems().stream().anyMatch(p -> p.line() == 12), r.problems().toString());
    }

    @Test
    void pythonTagsAreNotExecuted() {
      ProfileLoader.Result r =
          safely(
              """
          profiles:
          - name: a
            users: !!python/object/apply:os.system ["echo"]
          - name: !!python/object/apply:subprocess.check_output [["id"]]
          sizes:
          - name: S
            resources: !!python/object/new:dict {mem_limit: 1Gi}
          """);
      Map<String, Profile> byName = new LinkedHashMap<>();
      r.config().profiles().forEach(p -> byName.put(p.name(), p));
      assertTrue(
          byName.containsKey("a")
              ? byName.get("a").users().equals(List.of("echo"))
              : r.problems().stream().anyMatch(p -> p.line() == 3),
          () -> byName + " " + r.problems());
      // a name that is a (tagged) list is never a name
      assertFalse(byName.keySet().stream().anyMatch(n -> n.contains("id")), byName.toString());
      assertTrue(
          r.problems().stream()
              .anyMatch(p -> p.line() == 4 && p.field().equals("profiles[1].name")),
          r.problems().toString());
    }

    @Test
    void taggedConfigMapDataIsNotExecuted() {
      ProfileLoader.Result r =
          safely(
              """
          kind: ConfigMap
          metadata: {name: x}
          data:
            jupyterhub-singleuser-profiles.yaml: !!python/object/apply:os.system ["echo"]
          """);
      Problem p = onlyProblem(r);
      assertEquals(4, p.line());
      assertEquals("data." + KEY, p.field());
    }

    @Test
    void recursiveAliasIsAProblemNotAStackOverflow() {
      ProfileLoader.Result r =
          assertTimeoutPreemptively(
              Duration.ofSeconds(10), () -> assertDoesNotThrow(() -> load("profiles: &x\n- *x\n")));
      assertFalse(r.problems().isEmpty());
      assertEquals("t.yaml", r.problems().get(0).source());
    }

    @Test
    void aliasExpansionIsBounded() {
      // 40 aliases in a ~400-byte document expand to 4^10 (about a million) scalars. Kept that
      // small so
      // that the unfixed loader fails this test instead of killing the test JVM (16 levels of 3, a
      // 464-byte document, needs more than 512 MB of heap). The ui section accepts any mapping, so
      // the
      // only problem a correct loader can report here is the expansion itself.
      StringBuilder sb = new StringBuilder("ui:\n  x0: &a0 [lol]\n");
      for (int i = 1; i <= 10; i++) {
        sb.append("  x").append(i).append(": &a").append(i).append(" [");
        for (int j = 0; j < 4; j++) {
          sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
        }
        sb.append("]\n");
      }
      sb.append("profiles:\n- name: p\n");
      ProfileLoader.Result r =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30), () -> assertDoesNotThrow(() -> load(sb.toString())));
      assertEquals(
          1,
          r.problems().size(),
          () -> "expected one problem about alias expansion, got " + r.problems());
      assertEquals("t.yaml", r.problems().get(0).source());
    }
  }

  // ------------------------------------------------------------------ scalar typing

  @Nested
  class Scalars {
    @Test
    void aliasesAndAnchorsAreResolved() {
      PolicyConfig c =
          ok(
              """
          profiles:
          - name: a
            users: &team [alice, bob]
          - name: b
            groups: *team
          """);
      assertEquals(List.of("alice", "bob"), c.profiles().get(1).groups());
    }

    @Test
    void nonBooleanReadOnlyIsAProblem() {
      ProfileLoader.Result r =
          load(
              "profiles:\n- name: g\n  volumes:\n  - name: v\n    emptyDir: {}\n    mountPath: /x\n    readOnly: \"yes\"\n");
      Problem p = onlyProblem(r);
      assertEquals(7, p.line());
      assertEquals("profiles[0].volumes[0].readOnly", p.field());
    }

    @Test
    void coreSchemaNullAndBooleans() {
      Profile p =
          onlyProfile(
              "profiles:\n- name: g\n  env:\n    A: ~\n  volumes:\n  - name: v\n    emptyDir: {}\n    mountPath: /x\n    readOnly: True\n");
      assertEquals("", p.env().get(0).getValue());
      assertTrue(p.volumes().get(0).readOnly());
    }

    @Test
    void valuesThatLookSpecialStayAsWritten() {
      Profile p =
          onlyProfile(
              """
          profiles:
          - name: g
            env:
            - {name: OCT, value: 0777}
            - {name: HEX, value: 0x1F}
            - {name: YES, value: yes}
            - {name: BIG, value: 12345678901234567890}
            - {name: DOLLAR, value: "${NOT_EXPANDED}"}
            - {name: REF, value: $(s3_endpoint_url)}
          """);
      Map<String, EnvVar> env = envByName(p);
      assertEquals("0777", env.get("OCT").getValue());
      assertEquals("0x1F", env.get("HEX").getValue());
      assertEquals("yes", env.get("YES").getValue());
      assertEquals("12345678901234567890", env.get("BIG").getValue());
      assertEquals("${NOT_EXPANDED}", env.get("DOLLAR").getValue());
      assertEquals("$(s3_endpoint_url)", env.get("REF").getValue());
    }

    @Test
    void bigIntegersInConfigurationAreExact() {
      Profile p =
          onlyProfile(
              "profiles:\n- name: g\n  services:\n    s:\n      template: t\n      configuration: {big: 12345678901234567890}\n");
      Object big = p.services().get("s").configuration().get("big");
      assertEquals("12345678901234567890", String.valueOf(big));
    }

    @Test
    void envWithValueAndValueFromIsAProblem() {
      Problem p =
          onlyProblem(
              load(
                  "profiles:\n- name: g\n  env:\n  - name: A\n    value: x\n    valueFrom: {secretKeyRef: {name: s, key: k}}\n"));
      assertProblem(p, "t.yaml", 4, "profiles[0].env[0]", "both value and valueFrom", "env[0]");
    }

    @Test
    void blankNameIsAProblem() {
      Problem p = onlyProblem(load("profiles:\n- name: ''\n"));
      assertProblem(p, "t.yaml", 2, "profiles[0].name", "non-empty string", "name");
    }

    @Test
    void numericNameIsText() {
      assertEquals("2024", onlyProfile("profiles:\n- name: 2024\n").name());
    }
  }

  // ------------------------------------------------------------------ service templates

  @Test
  void aServiceMayNotRedefineATemplateVariableHubpolicySets() {
    Problem p =
        onlyProblem(
            load(
                """
                profiles:
                - name: p
                  services:
                    spark:
                      resources: [{name: t, path: k}]
                      configuration:
                        workers: 2
                        user: root
                """));
    assertProblem(
        p,
        "t.yaml",
        8,
        "profiles[0].services.spark.configuration.user",
        "reserved",
        "set by hubpolicy");
  }

  @Test
  void aReturnThatIsNotAJsonPathIsRefusedWithItsLine() {
    Problem p =
        onlyProblem(
            load(
                """
                profiles:
                - name: p
                  services:
                    spark:
                      resources: [{name: t, path: k}]
                      return:
                        OK: '{.metadata.name}'
                        BAD: 'status[?(@.x == '
                """));
    assertProblem(p, "t.yaml", 8, "profiles[0].services.spark.return.BAD", "not a JSONPath", "BAD");
  }

  @Test
  void templatesAmongTheSourcesAreKeptForServices() {
    PolicyConfig c =
        ok(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: spark-cluster-template}
            data:
              sparkClusterTemplate: |
                kind: SparkCluster
              other: x
            ---
            apiVersion: template.openshift.io/v1
            kind: Template
            metadata: {name: classic}
            objects: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}]
            """);
    assertEquals(
        "kind: SparkCluster\n",
        c.templates()
            .configMapKey("spark-cluster-template", "sparkClusterTemplate")
            .orElseThrow()
            .text());
    assertTrue(
        c.templates()
            .configMapKey("spark-cluster-template", "sparkClusterTemplate")
            .orElseThrow()
            .source()
            .contains("ConfigMap spark-cluster-template, key sparkClusterTemplate"));
    assertTrue(
        c.templates().openShiftTemplate("classic").orElseThrow().text().contains("\"objects\""));
    assertTrue(c.templates().openShiftTemplate("absent").isEmpty());
  }
}
