package io.hubpolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages are layers: each may use only itself and those before it in {@link #LAYERS}. The
 * same order is the map of the code in the README. Sub-packages belong to their parent's layer
 * ({@code engine.facts}, {@code api.grpc}).
 */
class ArchitectureTest {
  static final List<String> LAYERS =
      List.of(
          "model", // records and value rules
          "format", // YAML with lines, strict reading, Kubernetes JSON, JSONPath
          "services", // side services: spec, render, plan, launch through ClusterResources
          "profiles", // configuration sources -> PolicyConfig
          "engine", // facts, KieBase, decide, reload, audit listener
          "mutation", // decision -> pod, JSON Patch
          "catalog", // images and sizes offered
          "preferences", // users' saved choices
          "auth", // bearer tokens
          "kube", // adapters that talk to the API server
          "api", // HTTP, gRPC, admission, audit log, the use cases both edges call
          "authoring", // the policy author's tools: policy tests, lint, diff
          "workload", // the benchmark workload generator
          "app", // the composition root
          "cli"); // the commands

  static final Path MAIN = Path.of("src/main/java/io/hubpolicy");
  private static final Pattern OWN_IMPORT =
      Pattern.compile("^import (?:static )?io\\.hubpolicy\\.([a-z]+)[.;]", Pattern.MULTILINE);
  private static final Pattern ANY_IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);

  /** The Kubernetes client (not its model) is used by the adapters and the root only. */
  private static final Set<String> CLIENT_ALLOWED = Set.of("kube", "app");

  /** What other layers may name of the client: its exception, and its JSON setup. */
  private static final Set<String> CLIENT_EXCEPTIONS =
      Set.of(
          "io.fabric8.kubernetes.client.KubernetesClientException",
          "io.fabric8.kubernetes.client.utils.KubernetesSerialization");

  @Test
  void everyPackageIsALayer() throws IOException {
    Set<String> packages = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(MAIN)) {
      dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
    }
    assertEquals(new TreeSet<>(LAYERS), packages, "a new package needs its place in LAYERS");
  }

  @Test
  void noPackageUsesOneAfterIt() throws IOException {
    List<String> upward = new ArrayList<>();
    for (Path f : sources()) {
      String layer = layerOf(f);
      int mine = LAYERS.indexOf(layer);
      Matcher m = OWN_IMPORT.matcher(Files.readString(f));
      while (m.find()) {
        int theirs = LAYERS.indexOf(m.group(1));
        if (theirs > mine) {
          upward.add(MAIN.relativize(f) + " (" + layer + ") uses " + m.group(1));
        }
      }
    }
    assertEquals(List.of(), upward);
  }

  @Test
  void onlyTheAdaptersAndTheRootUseTheKubernetesClient() throws IOException {
    List<String> offending = new ArrayList<>();
    for (Path f : sources()) {
      String layer = layerOf(f);
      Matcher m = ANY_IMPORT.matcher(Files.readString(f));
      while (m.find()) {
        String imported = m.group(1);
        if (imported.startsWith("io.fabric8.kubernetes.client.")
            && !CLIENT_ALLOWED.contains(layer)
            && !CLIENT_EXCEPTIONS.contains(imported)) {
          offending.add(MAIN.relativize(f) + ": " + imported);
        }
      }
    }
    assertEquals(List.of(), offending);
  }

  /** The kube adapters are all that talks to the API server: each one uses the client. */
  @Test
  void everyKubeClassTalksToTheApiServer() throws IOException {
    List<String> idle = new ArrayList<>();
    try (Stream<Path> files = Files.list(MAIN.resolve("kube"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String text = Files.readString(f);
        if (!text.contains("import io.fabric8.kubernetes.client.")) {
          idle.add(f.getFileName().toString());
        }
      }
    }
    assertEquals(List.of(), idle, "belongs in a package named for what it is");
  }

  /**
   * The model may import only the JDK and fabric8's Kubernetes model types: never Drools, the
   * Kubernetes client, Jackson or HTTP, so the domain cannot reach the edges.
   */
  @Test
  void theModelImportsOnlyTheJdkAndKubernetesModelTypes() throws IOException {
    List<String> offending = new ArrayList<>();
    for (Path f : sources()) {
      if (!layerOf(f).equals("model")) {
        continue;
      }
      Matcher m = ANY_IMPORT.matcher(Files.readString(f));
      while (m.find()) {
        String i = m.group(1);
        if (!i.matches("(java|javax)\\..*")
            && !i.startsWith("io.fabric8.kubernetes.api.model.")
            && !i.startsWith("io.hubpolicy.model.")) {
          offending.add(f.getFileName() + ": " + i);
        }
      }
    }
    assertEquals(List.of(), offending);
  }

  /** The check itself: an upward import is found. */
  @Test
  void anUpwardImportIsFound() {
    Matcher m = OWN_IMPORT.matcher("package x;\nimport io.hubpolicy.cli.Main;\n");
    assertTrue(m.find());
    assertTrue(LAYERS.indexOf(m.group(1)) > LAYERS.indexOf("model"));
  }

  @Test
  void mainFilesStayUnderFiveHundredLines() throws IOException {
    List<String> big = new ArrayList<>();
    for (Path f : sources()) {
      long lines = Files.readAllLines(f).size();
      if (lines > 500) {
        big.add(MAIN.relativize(f) + " (" + lines + " lines)");
      }
    }
    assertEquals(List.of(), big, "a file of one job stays under ~500 lines");
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(MAIN)) {
      return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static String layerOf(Path f) {
    return MAIN.relativize(f).getName(0).toString();
  }
}
