package io.hubpolicy.profiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.TemplateRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The real configurations of the system hubpolicy replaces (copied byte for byte into {@code
 * examples/compat}) must load unchanged, as ConfigMap manifests and as the YAML under their data
 * key, and give the decisions the old system gave.
 */
public class CompatTest {
  private static final String KEY = ProfileLoader.DEFAULT_DATA_KEY;

  static final String JSP_EXAMPLE = "jsp-9fae848-openshift-example-configmap.yaml";
  static final String ODH_LIST = "jupyterhub-odh-a9ca2e5-jupyterhub-singleuser-profile.cm.yaml";
  static final String CLASSIC =
      "odh-manifests-0d4b37e-jupyterhub-singleuser-profiles-configmap-classic.yaml";
  static final String CLASSIC_TEMPLATE =
      "odh-manifests-0d4b37e-jupyterhub-spark-operator-template-USERNAME.yaml";
  static final String MAIN_4B0 =
      "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-configmap.yaml";
  static final String SIZES_4B0 =
      "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-sizes-configmap.yaml";
  static final String SPARK_4B0 = "odh-manifests-4b0ea7e-jupyterhub-spark-operator-configmap.yaml";
  static final String SIZES_F64 = "odh-manifests-f64f5b2-overrides-sizes-configmap.yaml";
  static final String UI_F64 = "odh-manifests-f64f5b2-overrides-ui-config-ui.configmap.yaml";

  private static final String SPARK_SUBMIT_CLASSIC =
      "--conf spark.cores.max=6 --conf spark.executor.instances=2 --conf spark.executor.memory=3G"
          + " --conf spark.executor.cores=3 --conf spark.driver.memory=4G --packages"
          + " com.amazonaws:aws-java-sdk:1.7.4,org.apache.hadoop:hadoop-aws:2.7.3 pyspark-shell";
  private static final String PYTHONPATH =
      "$PYTHONPATH:/opt/app-root/lib/python3.6/site-packages/:/opt/app-root/lib/python3.6/site-packages/pyspark/python/"
          + ":/opt/app-root/lib/python3.6/site-packages/pyspark/python/lib/py4j-0.8.2.1-src.zip";

  // ------------------------------------------------------------------ locating the files

  /** The copies in the repository; see examples/compat/README.md for where each came from. */
  public static Path compatDir() {
    return Path.of("examples/compat");
  }

  public static Path compat(String name) {
    Path f = compatDir().resolve(name);
    if (!Files.isRegularFile(f)) {
      throw new AssertionError("missing compat file " + f + " (the repository should hold it)");
    }
    return f;
  }

  public static String text(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String compatText(String name) {
    return text(compat(name));
  }

  static Stream<Arguments> compatFiles() throws IOException {
    Path dir = compatDir();
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> yaml =
          files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
      return yaml.stream().map(f -> Arguments.of(Named.of(f.getFileName().toString(), f)));
    }
  }

  /** The text under the ConfigMap's profile key, or null when the file has no such key. */
  @SuppressWarnings("unchecked")
  static String dataKeyText(String manifest) {
    Object doc = new Load(LoadSettings.builder().build()).loadFromString(manifest);
    if (doc instanceof Map<?, ?> m
        && "ConfigMap".equals(m.get("kind"))
        && m.get("data") instanceof Map<?, ?> data
        && data.get(KEY) instanceof String s) {
      return s;
    }
    return null;
  }

  static ProfileLoader.Result load(String name, String text) {
    return new ProfileLoader().read(List.of(new ConfigSource(name, text)));
  }

  static RuleBase ruleBase(String... compatNames) {
    List<ConfigSource> sources = new ArrayList<>();
    for (String n : compatNames) {
      sources.add(new ConfigSource(n, compatText(n)));
    }
    return new RuleBaseBuilder().build(sources, Engines.builtinRules());
  }

  static Map<String, EnvVar> env(Decision d) {
    Map<String, EnvVar> m = new LinkedHashMap<>();
    d.env().forEach(e -> m.put(e.getName(), e));
    return m;
  }

  static String envValue(Decision d, String name) {
    EnvVar e = env(d).get(name);
    assertNotNull(e, () -> name + " not in " + d.env());
    return e.getValue();
  }

  static Map<String, String> quantities(Map<String, Quantity> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, q) -> out.put(k, q.toString()));
    return out;
  }

  static void assertResources(
      Decision d, Map<String, String> requests, Map<String, String> limits) {
    assertEquals(requests, quantities(d.resources().getRequests()), "requests");
    assertEquals(limits, quantities(d.resources().getLimits()), "limits");
  }

  // ------------------------------------------------------------------ every file loads

  @Test
  void theCompatFilesArePresent() {
    Path dir = compatDir();
    for (String n :
        List.of(
            JSP_EXAMPLE,
            ODH_LIST,
            CLASSIC,
            CLASSIC_TEMPLATE,
            MAIN_4B0,
            SIZES_4B0,
            SPARK_4B0,
            SIZES_F64,
            UI_F64)) {
      assertTrue(Files.isRegularFile(dir.resolve(n)), n);
    }
  }

  @ParameterizedTest
  @MethodSource("compatFiles")
  void loadsAsManifestAndAsTheYamlUnderItsDataKey(Path file) {
    String manifest = text(file);
    String name = file.getFileName().toString();
    ProfileLoader.Result asManifest = load(name, manifest);
    assertEquals(List.of(), asManifest.problems(), name + " as a manifest");

    String inner = dataKeyText(manifest);
    if (inner == null) {
      // service templates: read, noted, no profiles
      assertEquals(List.of(), asManifest.config().profiles(), name);
      assertEquals(List.of(), asManifest.config().sizes(), name);
      assertTrue(
          asManifest.config().notes().stream().anyMatch(n -> n.contains("template")),
          () -> name + " notes " + asManifest.config().notes());
      return;
    }
    ProfileLoader.Result alone = load(name + "#" + KEY, inner);
    assertEquals(List.of(), alone.problems(), name + " data key alone");
    PolicyConfig a = asManifest.config();
    PolicyConfig b = alone.config();
    assertEquals(a.profiles().size(), b.profiles().size(), "profiles of " + name);
    assertEquals(a.sizes().size(), b.sizes().size(), "sizes of " + name);
    assertEquals(
        a.profiles().stream().map(Profile::name).toList(),
        b.profiles().stream().map(Profile::name).toList());
    assertEquals(
        a.sizes().stream().map(Size::name).toList(), b.sizes().stream().map(Size::name).toList());
    assertEquals(a.gpuTypes().size(), b.gpuTypes().size());
    assertEquals(a.ui(), b.ui());
    for (int i = 0; i < a.profiles().size(); i++) {
      Profile pa = a.profiles().get(i);
      Profile pb = b.profiles().get(i);
      assertEquals(pa.env(), pb.env(), pa.name());
      assertEquals(quantities(pa.resources()), quantities(pb.resources()), pa.name());
      assertEquals(pa.services(), pb.services(), pa.name());
      // the manifest's line for a profile is the extracted line plus where the block starts
      assertTrue(pa.source().line() > pb.source().line(), pa.source() + " vs " + pb.source());
    }
    // something was read from each ConfigMap that holds the key
    assertTrue(
        !a.profiles().isEmpty() || !a.sizes().isEmpty() || !a.ui().isEmpty(),
        () -> name + " loaded nothing: " + a.notes());
  }

  @Test
  void expectedCountsPerFile() {
    Map<String, int[]> expected = new LinkedHashMap<>();
    expected.put(JSP_EXAMPLE, new int[] {4, 3, 1});
    expected.put(ODH_LIST, new int[] {1, 0, 0});
    expected.put(CLASSIC, new int[] {2, 3, 0});
    expected.put(MAIN_4B0, new int[] {2, 0, 0});
    expected.put(SIZES_4B0, new int[] {0, 3, 0});
    expected.put(SIZES_F64, new int[] {0, 4, 0});
    expected.put(UI_F64, new int[] {0, 0, 0});
    expected.put(CLASSIC_TEMPLATE, new int[] {0, 0, 0});
    expected.put(SPARK_4B0, new int[] {0, 0, 0});
    expected.forEach(
        (name, counts) -> {
          PolicyConfig c = load(name, compatText(name)).orThrow();
          assertEquals(counts[0], c.profiles().size(), "profiles of " + name);
          assertEquals(counts[1], c.sizes().size(), "sizes of " + name);
          assertEquals(counts[2], c.gpuTypes().size(), "gpuTypes of " + name);
        });
  }

  @Test
  void allFilesTogetherAsADirectory() {
    Path dir = compatDir();
    ProfileLoader.Result r = new ProfileLoader().readPaths(List.of(dir));
    assertEquals(List.of(), r.problems());
    // alphabetical: jsp (4), jupyterhub-odh (1), 0d4b37e classic (2), 4b0ea7e main (2)
    assertEquals(
        List.of(
            "globals",
            "Special Nodes",
            "Thoth Notebooks",
            "Spark Notebook",
            "global",
            "globals",
            "Spark Notebook",
            "globals",
            "Spark Notebook"),
        r.config().profiles().stream().map(Profile::name).toList());
    assertEquals(
        List.of("Small", "Medium", "Large", "X Large"),
        List.copyOf(r.config().sizesByName().keySet()));
    // the f64f5b2 override is read last among the sizes: Small is 8Gi
    assertEquals(
        "8Gi", r.config().sizesByName().get("Small").resources().get("requests.memory").toString());
  }

  @Test
  void uiSection() {
    PolicyConfig c = load(UI_F64, compatText(UI_F64)).orThrow();
    assertEquals(List.of("gpuConfig", "envVarConfig"), List.copyOf(c.ui().keySet()));
    assertEquals(
        Map.of("enabled", true, "type", "dropdown", "gpuDropdown", Map.of("start", 0)),
        c.ui().get("gpuConfig"));
    @SuppressWarnings("unchecked")
    Map<String, Object> envVarConfig = (Map<String, Object>) c.ui().get("envVarConfig");
    assertEquals(true, envVarConfig.get("enabled"));
    assertEquals(
        List.of(
            Map.of(
                "name",
                "AWS",
                "variables",
                List.of(
                    Map.of("name", "AWS_ACCESS_KEY_ID", "type", "password"),
                    Map.of("name", "AWS_SECRET_ACCESS_KEY", "type", "password")))),
        envVarConfig.get("categories"));
  }

  @Test
  void lineNumbersOfAProblemInARealConfigMapAreThoseOfTheManifest() {
    String text = compatText(JSP_EXAMPLE);
    String broken =
        text.replace(
            "      - name: Thoth Notebooks\n        images:",
            "      - name: Thoth Notebooks\n        imagez:");
    assertTrue(!broken.equals(text), "the replacement must apply");
    ProfileLoader.Result r = load(JSP_EXAMPLE, broken);
    assertEquals(1, r.problems().size(), r.problems().toString());
    Problem p = r.problems().get(0);
    assertEquals(49, p.line());
    assertEquals("profiles[2].imagez", p.field());
    assertTrue(p.source().startsWith(JSP_EXAMPLE), p.source());
    assertTrue(p.message().contains("unknown key 'imagez'"), p.message());

    String badQuantity = compatText(CLASSIC).replace("cpu_limit: 4\n", "cpu_limit: 4 cores\n");
    ProfileLoader.Result q = load(CLASSIC, badQuantity);
    assertEquals(1, q.problems().size(), q.problems().toString());
    assertEquals(51, q.problems().get(0).line());
    assertEquals("sizes[1].resources.cpu_limit", q.problems().get(0).field());
  }

  // ------------------------------------------------------------------ golden decisions

  @Nested
  class JspExample {
    RuleBase rb() {
      return Engines.ruleBase(compatText(JSP_EXAMPLE));
    }

    @Test
    void thothUserWithLargeSize() {
      Decision d = Engines.decide(rb(), "vpavlin", "s2i-thoth-notebook:3.6", "Large");
      assertTrue(d.allowed());
      assertEquals(List.of("globals", "Thoth Notebooks"), d.profiles());
      assertEquals("This will appear in all singleuser pods", envValue(d, "THIS_IS_GLOBAL"));
      assertEquals("thoth-test-core", envValue(d, "THOTH_DEPLOYMENT_NAME"));
      assertEquals("DH-DEV-DATA", envValue(d, "THOTH_CEPH_BUCKET"));
      assertEquals("data/thoth", envValue(d, "THOTH_CEPH_BUCKET_PREFIX"));
      assertEquals("80", envValue(d, "THOTH_JANUSGRAPH_PORT"));
      EnvVar secret = env(d).get("MYAPP_SECRET_TOKEN");
      assertNull(secret.getValue());
      assertEquals("testing-secret-token", secret.getValueFrom().getSecretKeyRef().getName());
      assertEquals("SECRET_TOKEN", secret.getValueFrom().getSecretKeyRef().getKey());
      EnvVar cm = env(d).get("MY_CONFIGMAP_VALUE");
      assertEquals("myconfigmap", cm.getValueFrom().getConfigMapKeyRef().getName());
      assertEquals("mykey", cm.getValueFrom().getConfigMapKeyRef().getKey());
      // the size wins over both profiles
      assertResources(d, Map.of("cpu", "4", "memory", "4Gi"), Map.of("cpu", "8", "memory", "8Gi"));
      assertEquals("8589934592", envValue(d, "MEM_LIMIT"));
      assertEquals("vpavlin", envValue(d, "JUPYTERHUB_USER_NAME"));
      assertEquals(List.of(), d.tolerations());
      assertNull(d.affinity());
      assertEquals(Map.of(), d.services());
      assertEquals(0, d.gpu());
    }

    @Test
    void thothUserWithoutSizeGetsTheLastProfilesResources() {
      Decision d = Engines.decide(rb(), "fpokorny", "s2i-thoth-notebook:3.6", null);
      assertEquals(List.of("globals", "Thoth Notebooks"), d.profiles());
      assertResources(
          d, Map.of("memory", "1Gi", "cpu", "500m"), Map.of("memory", "2Gi", "cpu", "1"));
    }

    @Test
    void thothImageForAnotherUserGetsOnlyGlobals() {
      Decision d = Engines.decide(rb(), "someone", "s2i-thoth-notebook:3.6", "Default");
      assertEquals(List.of("globals"), d.profiles());
      assertNull(env(d).get("THOTH_DEPLOYMENT_NAME"));
      assertResources(
          d, Map.of("memory", "500Mi", "cpu", "250m"), Map.of("memory", "1Gi", "cpu", "500m"));
    }

    @Test
    void specialNodesForAcorvin() {
      Decision d = Engines.decide(rb(), "acorvin", "s2i-minimal-notebook:3.6", "Small");
      assertEquals(List.of("globals", "Special Nodes"), d.profiles());
      assertEquals(1, d.tolerations().size());
      Toleration t = d.tolerations().get(0);
      assertEquals("some_node_label", t.getKey());
      assertEquals("Equal", t.getOperator());
      assertEquals("label_target_value", t.getValue());
      assertEquals("NoSchedule", t.getEffect());
      assertNotNull(d.affinity());
      List<NodeSelectorRequirement> exprs =
          d.affinity()
              .getNodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms()
              .get(0)
              .getMatchExpressions();
      assertEquals(1, exprs.size());
      assertEquals("some_node_label", exprs.get(0).getKey());
      assertEquals("In", exprs.get(0).getOperator());
      assertEquals(
          List.of("label_target_value_1", "label_target_value_2"), exprs.get(0).getValues());
      assertResources(d, Map.of("memory", "1Gi", "cpu", "1"), Map.of("memory", "2Gi", "cpu", "2"));
    }

    @Test
    void otherUsersGetNoSpecialNodes() {
      Decision d = Engines.decide(rb(), "vpavlin", "s2i-minimal-notebook:3.6", null);
      assertEquals(List.of("globals"), d.profiles());
      assertEquals(List.of(), d.tolerations());
      assertNull(d.affinity());
    }

    @Test
    void sparkImageGetsSparkAndAirflowServices() {
      Decision d = Engines.decide(rb(), "vpavlin", "s2i-spark-notebook:3.6", null);
      assertEquals(List.of("globals", "Spark Notebook"), d.profiles());
      assertEquals(List.of("spark", "airflow"), List.copyOf(d.services().keySet()));
      ServiceSpec spark = d.services().get("spark");
      assertEquals(
          List.of(new TemplateRef("spark-cluster-template", "sparkClusterTemplate")),
          spark.resources());
      assertEquals(Map.of("SPARK_CLUSTER", "metadata.name"), spark.returns());
      assertEquals(Map.of("opendatahub.io/component", "jupyterhub"), spark.labels());
      assertEquals(
          Map.of("worker_instances", 1, "worker_memory_limit", "4Gi", "master_memory_limit", "1Gi"),
          spark.configuration());
      assertNull(spark.template());
      ServiceSpec airflow = d.services().get("airflow");
      assertEquals(
          List.of(
              new TemplateRef("jupyter-services-template", "airflowCluster"),
              new TemplateRef("jupyter-services-template", "airflowBase")),
          airflow.resources());
      assertEquals(Map.of(), airflow.returns());
    }

    @Test
    void gpuTypeIsLoaded() {
      RuleBase rb = rb();
      assertEquals(1, rb.config().gpuTypes().size());
      assertEquals("default", rb.config().gpuTypes().get(0).type());
      assertEquals(
          "default_gpu_taint", rb.config().gpuTypes().get(0).tolerations().get(0).getKey());
      assertEquals(List.of("Small", "Medium", "Large"), List.copyOf(rb.sizes().keySet()));
    }

    @Test
    void theExtractedYamlDecidesTheSame() {
      String inner = dataKeyText(compatText(JSP_EXAMPLE));
      assertNotNull(inner);
      Decision a = Engines.decide(rb(), "vpavlin", "s2i-thoth-notebook:3.6", "Large");
      Decision b =
          Engines.decide(Engines.ruleBase(inner), "vpavlin", "s2i-thoth-notebook:3.6", "Large");
      assertEquals(a.profiles(), b.profiles());
      assertEquals(a.env(), b.env());
      assertEquals(a.resources(), b.resources());
    }
  }

  @Nested
  class Classic {
    RuleBase rb() {
      return Engines.ruleBase(compatText(CLASSIC));
    }

    @Test
    void globalsForEveryoneWithTheEnvReferenceUntouched() {
      Decision d = Engines.decide(rb(), "anyone", "s2i-minimal-notebook:3.6", null);
      assertEquals(List.of("globals"), d.profiles());
      assertEquals("$(s3_endpoint_url)", envValue(d, "S3_ENDPOINT_URL"));
      assertNull(env(d).get("PYSPARK_SUBMIT_ARGS"));
      assertEquals(Map.of(), d.services());
      // mem_limit/cpu_limit: requests equal limits
      assertResources(d, Map.of("memory", "2Gi", "cpu", "1"), Map.of("memory", "2Gi", "cpu", "1"));
      assertEquals(String.valueOf(2L * 1024 * 1024 * 1024), envValue(d, "MEM_LIMIT"));
    }

    @Test
    void sparkImagesGetPysparkEnvAndTheTemplateService() {
      for (String image :
          List.of("s2i-spark-minimal-notebook:3.6", "s2i-spark-scipy-notebook:3.6")) {
        Decision d = Engines.decide(rb(), "anyone", image, "Medium");
        assertEquals(List.of("globals", "Spark Notebook"), d.profiles(), image);
        assertEquals("$(s3_endpoint_url)", envValue(d, "S3_ENDPOINT_URL"));
        assertEquals(SPARK_SUBMIT_CLASSIC, envValue(d, "PYSPARK_SUBMIT_ARGS"));
        assertEquals("jupyter", envValue(d, "PYSPARK_DRIVER_PYTHON"));
        assertEquals("notebook", envValue(d, "PYSPARK_DRIVER_PYTHON_OPTS"));
        assertEquals(
            "/opt/app-root/lib/python3.6/site-packages/pyspark/", envValue(d, "SPARK_HOME"));
        assertEquals(PYTHONPATH, envValue(d, "PYTHONPATH"));
        assertEquals(List.of("spark"), List.copyOf(d.services().keySet()));
        ServiceSpec spark = d.services().get("spark");
        assertEquals("jupyterhub-spark-operator-configmap", spark.template());
        assertEquals(List.of(), spark.resources());
        assertEquals(11, spark.parameters().size());
        assertEquals("2", spark.parameters().get("WORKER_NODES"));
        assertEquals("1", spark.parameters().get("MASTER_NODES"));
        assertEquals("2Gi", spark.parameters().get("MASTER_MEMORY_LIMIT"));
        assertEquals(
            "quay.io/opendatahub/spark-cluster-image:spark22python36",
            spark.parameters().get("SPARK_IMAGE"));
        assertEquals(Map.of("SPARK_CLUSTER", "metadata.name"), spark.returns());
        // the Medium size (mem_limit 4Gi, cpu_limit 4): requests == limits
        assertResources(
            d, Map.of("memory", "4Gi", "cpu", "4"), Map.of("memory", "4Gi", "cpu", "4"));
      }
    }

    @Test
    void classicSizesHaveRequestsEqualToLimits() {
      Map<String, Size> sizes = rb().sizes();
      assertEquals(List.of("Small", "Medium", "Large"), List.copyOf(sizes.keySet()));
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
          quantities(sizes.get("Large").resources()));
    }

    @Test
    void withTheClassicTemplateFileAlongside() {
      RuleBase rb = ruleBase(CLASSIC, CLASSIC_TEMPLATE);
      assertEquals(2, rb.config().profiles().size());
      assertTrue(
          rb.config().notes().stream()
              .anyMatch(n -> n.contains("jupyterhub-spark-operator-configmap")),
          rb.config().notes().toString());
    }
  }

  @Nested
  class TopLevelList {
    @Test
    void globalProfileForEveryone() {
      RuleBase rb = Engines.ruleBase(compatText(ODH_LIST));
      for (String user : List.of("anyone", "acorvin")) {
        Decision d = Engines.decide(rb, user, "whatever-notebook:latest", null, "some-group");
        assertEquals(List.of("global"), d.profiles(), user);
        assertEquals("", envValue(d, "JUPYTER_PRELOAD_REPOS"));
        assertEquals("jupyter", envValue(d, "PYSPARK_DRIVER_PYTHON"));
        assertEquals("notebook", envValue(d, "PYSPARK_DRIVER_PYTHON_OPTS"));
        assertEquals(PYTHONPATH, envValue(d, "PYTHONPATH"));
        assertEquals(
            "--packages com.amazonaws:aws-java-sdk:1.7.4,org.apache.hadoop:hadoop-aws:2.7.3 pyspark-shell",
            envValue(d, "PYSPARK_SUBMIT_ARGS"));
        assertResources(
            d, Map.of("memory", "1Gi", "cpu", "1"), Map.of("memory", "1Gi", "cpu", "1"));
        assertEquals("1073741824", envValue(d, "MEM_LIMIT"));
      }
      // without an image too
      assertEquals(List.of("global"), Engines.decide(rb, "x", null, null).profiles());
    }
  }

  @Nested
  class OdhManifestsWithOverlay {
    @Test
    void mainAndSizesThenTheOverride() {
      RuleBase rb = ruleBase(MAIN_4B0, SIZES_4B0, SIZES_F64);
      assertEquals(
          List.of("Small", "Medium", "Large", "X Large"), List.copyOf(rb.sizes().keySet()));

      Decision small = Engines.decide(rb, "anyone", "s2i-minimal-notebook:3.6", "Small");
      assertEquals(List.of("globals"), small.profiles());
      assertResources(
          small, Map.of("memory", "8Gi", "cpu", "1"), Map.of("memory", "8Gi", "cpu", "2"));

      Decision xl =
          Engines.decide(
              rb, "anyone", "s2i-spark-minimal-notebook:py36-spark2.4.5-hadoop2.7.3", "X Large");
      assertEquals(List.of("globals", "Spark Notebook"), xl.profiles());
      assertResources(
          xl, Map.of("memory", "120Gi", "cpu", "15"), Map.of("memory", "120Gi", "cpu", "30"));
      assertEquals("$(s3_endpoint_url)", envValue(xl, "S3_ENDPOINT_URL"));
      assertEquals(String.valueOf(120L * 1024 * 1024 * 1024), envValue(xl, "MEM_LIMIT"));
      ServiceSpec spark = xl.services().get("spark");
      assertNotNull(spark, xl.services().toString());
      assertEquals(
          List.of(
              new TemplateRef("spark-cluster-template", "notebookPodServiceTemplate"),
              new TemplateRef("spark-cluster-template", "sparkClusterTemplate")),
          spark.resources());
      assertEquals(
          "quay.io/radanalyticsio/openshift-spark-py36:2.4.5-2",
          spark.configuration().get("spark_image"));
      assertEquals("2", spark.configuration().get("worker_nodes"));
      assertEquals(Map.of("SPARK_CLUSTER", "metadata.name"), spark.returns());
    }

    @Test
    void withoutTheOverrideTheOriginalSizesHold() {
      RuleBase rb = ruleBase(MAIN_4B0, SIZES_4B0);
      assertEquals(List.of("Small", "Medium", "Large"), List.copyOf(rb.sizes().keySet()));
      Decision small = Engines.decide(rb, "anyone", "s2i-minimal-notebook:3.6", "Small");
      assertResources(
          small, Map.of("memory", "1Gi", "cpu", "1"), Map.of("memory", "2Gi", "cpu", "2"));
      Decision none = Engines.decide(rb, "anyone", "s2i-minimal-notebook:3.6", null);
      assertResources(
          none, Map.of("memory", "1Gi", "cpu", "500m"), Map.of("memory", "2Gi", "cpu", "1"));
    }

    @Test
    void theOrderOfSourcesDecidesWhichSizesWin() {
      RuleBase rb = ruleBase(MAIN_4B0, SIZES_F64, SIZES_4B0);
      Decision small = Engines.decide(rb, "anyone", "s2i-minimal-notebook:3.6", "Small");
      assertResources(
          small, Map.of("memory", "1Gi", "cpu", "1"), Map.of("memory", "2Gi", "cpu", "2"));
      // X Large only exists in the override, so it survives
      assertTrue(rb.sizes().containsKey("X Large"));
    }

    @Test
    void withTheSparkTemplatesAndUiAlongside() {
      RuleBase rb = ruleBase(MAIN_4B0, SIZES_4B0, SPARK_4B0, SIZES_F64, UI_F64);
      assertEquals(2, rb.config().profiles().size());
      assertEquals(4, rb.sizes().size());
      assertEquals(List.of("gpuConfig", "envVarConfig"), List.copyOf(rb.config().ui().keySet()));
      assertTrue(
          rb.config().notes().stream().anyMatch(n -> n.contains("spark-cluster-template")),
          rb.config().notes().toString());
    }
  }
}
