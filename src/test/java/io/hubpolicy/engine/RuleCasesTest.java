package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.profiles.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Runs the policy tests that sit beside the rules: every {@code rules/tests/*.yaml} file gives a
 * configuration, requests, the rules expected to fire (in order) and fields to check.
 */
class RuleCasesTest {
  private static final Path RULES = Path.of("rules");

  @TestFactory
  Stream<DynamicNode> policyTestsBesideTheRules() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(RULES.resolve("tests"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no policy tests found in rules/tests");
    return files.stream().map(RuleCasesTest::file);
  }

  @SuppressWarnings("unchecked")
  private static DynamicNode file(Path file) {
    Map<String, Object> doc;
    try {
      doc =
          (Map<String, Object>)
              new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
    List<Problem> problems = new ArrayList<>();
    List<Path> rulePaths = new ArrayList<>(List.of(RULES));
    for (Object extra : (List<Object>) doc.getOrDefault("rules", List.of())) {
      rulePaths.add(RULES.resolve(extra.toString()));
    }
    List<RuleSource> rules = RuleSource.fromPaths(rulePaths, problems);
    assertEquals(List.of(), problems);
    RuleBase rb =
        new RuleBaseBuilder()
            .build(List.of(new ConfigSource(file + "#config", (String) doc.get("config"))), rules);
    List<DynamicTest> tests = new ArrayList<>();
    for (Map<String, Object> c : (List<Map<String, Object>>) doc.get("cases")) {
      tests.add(DynamicTest.dynamicTest((String) c.get("name"), () -> check(rb, c)));
    }
    return DynamicContainer.dynamicContainer(file.getFileName().toString(), tests);
  }

  @SuppressWarnings("unchecked")
  private static UserPreferences preferences(Map<String, Object> p) {
    if (p == null) {
      return UserPreferences.NONE;
    }
    List<UserVariable> env = new ArrayList<>();
    for (Map<String, Object> v : (List<Map<String, Object>>) p.getOrDefault("env", List.of())) {
      env.add(
          new UserVariable(
              (String) v.get("name"),
              v.get("value") == null ? null : String.valueOf(v.get("value")),
              Boolean.TRUE.equals(v.get("secret"))));
    }
    return new UserPreferences(null, null, (Integer) p.get("gpu"), env);
  }

  @SuppressWarnings("unchecked")
  private static void check(RuleBase rb, Map<String, Object> c) {
    Map<String, Object> req = (Map<String, Object>) c.get("request");
    Decision d =
        DecisionEngine.decide(
            new SpawnRequest(
                (String) req.get("user"),
                (List<String>) req.getOrDefault("groups", List.of()),
                (String) req.get("image"),
                (String) req.get("size"),
                preferences((Map<String, Object>) req.get("preferences")),
                (Integer) req.get("gpu"),
                (String) req.get("gpuType")),
            rb);
    if (c.containsKey("fired")) {
      assertEquals(
          c.get("fired"), d.firedRules().stream().map(FiredRule::rule).toList(), "fired rules");
    }
    Map<String, Object> expect = (Map<String, Object>) c.getOrDefault("expect", Map.of());
    for (Map.Entry<String, Object> e : expect.entrySet()) {
      switch (e.getKey()) {
        case "allowed" -> assertEquals(e.getValue(), d.allowed(), "allowed");
        case "reasons" -> assertEquals(e.getValue(), d.reasons(), "reasons");
        case "gpu" -> assertEquals(e.getValue(), d.gpu(), "gpu");
        case "secretRefs" -> {
          Map<String, String> refs = new LinkedHashMap<>();
          d.env().stream()
              .filter(v -> v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null)
              .forEach(
                  v ->
                      refs.put(
                          v.getName(),
                          v.getValueFrom().getSecretKeyRef().getName()
                              + "/"
                              + v.getValueFrom().getSecretKeyRef().getKey()));
          assertEquals(e.getValue(), refs, "secretRefs");
        }
        case "env" -> {
          Map<String, String> env = new LinkedHashMap<>();
          d.env().forEach(v -> env.put(v.getName(), v.getValue()));
          ((Map<String, Object>) e.getValue())
              .forEach((k, v) -> assertEquals(String.valueOf(v), env.get(k), "env " + k));
        }
        case "limits" ->
            assertResources(
                (Map<String, Object>) e.getValue(), d.resources().getLimits(), "limits");
        case "requests" ->
            assertResources(
                (Map<String, Object>) e.getValue(), d.resources().getRequests(), "requests");
        case "tolerations" ->
            assertEquals(
                e.getValue(),
                d.tolerations().stream().map(Toleration::getKey).toList(),
                "tolerations");
        default -> throw new IllegalArgumentException("unknown expectation '" + e.getKey() + "'");
      }
    }
  }

  private static void assertResources(
      Map<String, Object> want, Map<String, Quantity> have, String what) {
    Map<String, String> h = new TreeMap<>();
    have.forEach((k, v) -> h.put(k, v.toString()));
    if (want.isEmpty()) {
      assertEquals(Map.of(), h, what);
      return;
    }
    want.forEach((k, v) -> assertEquals(String.valueOf(v), h.get(k), what + " " + k));
  }

  static String envValue(Decision d, String name) {
    return d.env().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }
}
