package io.hubpolicy.kube;

import static io.hubpolicy.kube.MockKube.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserObjectNames;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.preferences.PreferencesService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class PreferencesMockTest {
  static final String NS = "jupyterhub";
  static final String CONFIG =
      """
      profiles:
      - name: everyone
        env:
        - {name: EDITOR, value: vim}
        - {name: HTTPS_PROXY, value: 'http://proxy:3128', protected: true}
      - name: gpu team
        groups: [gpu]
        gpu: 2
      - name: alice's data
        users: [alice]
        volumes:
        - {name: alice-data, persistentVolumeClaim: {claimName: alice-data}, mountPath: data}
      sizes:
      - name: Small
        resources: {requests: {cpu: 1, memory: 2Gi}}
      """;

  MockKube kube;
  ConfigMapPreferenceStore store;
  PreferencesService prefs;
  DecisionService decisions;
  final java.util.List<Decision> audited = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    kube = MockKube.start();
    store = new ConfigMapPreferenceStore(kube.client, NS);
    store.start().toCompletableFuture().join();
    DecisionEngine engine = new DecisionEngine(Engines.ruleBase(CONFIG));
    AuditLog audit =
        new AuditLog() {
          @Override
          public void record(Decision d) {
            audited.add(d);
          }

          @Override
          public void close() {}
        };
    decisions = new DecisionService(engine, new PodMutator(), audit, store);
    prefs = new PreferencesService(store, engine, offering("minimal:py3.9", "datascience:py3.9"));
  }

  /** A catalog offering exactly these images to everyone. */
  static io.hubpolicy.catalog.Catalogs offering(String... names) {
    return new io.hubpolicy.catalog.ConfiguredCatalogs(
        config ->
            new io.hubpolicy.catalog.Catalog(
                java.util.Arrays.stream(names)
                    .map(
                        n ->
                            new io.hubpolicy.model.NotebookImage(
                                n, n, null, n, null, null, 0, null, null, false, null))
                    .toList(),
                List.of(),
                io.hubpolicy.catalog.Catalog.PROFILES),
        new io.hubpolicy.catalog.SizeCatalog(io.hubpolicy.catalog.NodeSource.NONE));
  }

  @AfterEach
  void tearDown() {
    kube.close(store);
  }

  Decision decide(String user, String... groups) {
    return decisions.decide(new SpawnRequest(user, List.of(groups), "minimal:py3.9", null));
  }

  static String env(Decision d, String name) {
    return d.env().stream()
        .filter(e -> e.getName().equals(name))
        .map(
            e ->
                e.getValue() != null
                    ? e.getValue()
                    : "ref:"
                        + e.getValueFrom().getSecretKeyRef().getName()
                        + "/"
                        + e.getValueFrom().getSecretKeyRef().getKey())
        .findFirst()
        .orElse(null);
  }

  @Test
  void roundTripKeepsSecretValuesOutOfEverythingButTheSecret() {
    ObjectNode saved =
        prefs.put(
            "Ana.Maria",
            List.of(),
            """
            {"image": "datascience:py3.9", "size": "Small",
             "env": [{"name": "EDITOR", "value": "emacs"},
                     {"name": "API_TOKEN", "value": "s3cret-value", "secret": true}]}
            """);
    assertFalse(saved.toString().contains("s3cret-value"), saved.toString());

    String cmName = UserObjectNames.preferencesConfigMap("Ana.Maria");
    ConfigMap cm = kube.client.configMaps().inNamespace(NS).withName(cmName).get();
    String profile = cm.getData().get("profile");
    assertTrue(
        profile.contains("last_selected_image: \"datascience:py3.9\"")
            || profile.contains("last_selected_image: datascience:py3.9"),
        profile);
    assertTrue(
        profile.contains("last_selected_size: \"Small\"")
            || profile.contains("last_selected_size: Small"),
        profile);
    assertFalse(profile.contains("s3cret-value"), "a secret value in the ConfigMap: " + profile);

    Secret secret =
        kube.client
            .secrets()
            .inNamespace(NS)
            .withName(UserObjectNames.variablesSecret("Ana.Maria"))
            .get();
    assertEquals(
        "s3cret-value",
        new String(
            Base64.getDecoder().decode(secret.getData().get("API_TOKEN")), StandardCharsets.UTF_8));

    ObjectNode got = prefs.get("Ana.Maria");
    assertEquals("datascience:py3.9", got.get("image").asString());
    assertEquals("Small", got.get("size").asString());
    assertEquals("emacs", got.get("env").get(0).get("value").asString());
    assertTrue(got.get("env").get(1).get("secret").asBoolean());
    assertTrue(got.get("env").get(1).get("stored").asBoolean());
    assertFalse(got.get("env").get(1).has("value"));

    // Decisions see the saved variables once the informer has the ConfigMap; the secret one only
    // as a reference.
    await(
        "the saved preferences reach decisions",
        () -> "emacs".equals(env(decide("Ana.Maria"), "EDITOR")));
    Decision d = decide("Ana.Maria");
    assertEquals(
        "ref:" + UserObjectNames.variablesSecret("Ana.Maria") + "/API_TOKEN", env(d, "API_TOKEN"));
    String everything =
        DecisionJson.toJson(d, null, DecisionJson.Explain.FULL).toString()
            + DecisionJson.auditLine(d, "now");
    assertFalse(everything.contains("s3cret-value"), everything);

    // Saving again without the value keeps it; dropping the variable removes it from the Secret.
    prefs.put("Ana.Maria", List.of(), "{\"env\": [{\"name\": \"API_TOKEN\", \"secret\": true}]}");
    secret =
        kube.client
            .secrets()
            .inNamespace(NS)
            .withName(UserObjectNames.variablesSecret("Ana.Maria"))
            .get();
    assertEquals(Set.of("API_TOKEN"), secret.getData().keySet());
    prefs.put("Ana.Maria", List.of(), "{\"env\": []}");
    secret =
        kube.client
            .secrets()
            .inNamespace(NS)
            .withName(UserObjectNames.variablesSecret("Ana.Maria"))
            .get();
    assertEquals(Map.of(), secret.getData() == null ? Map.of() : secret.getData());
  }

  @Test
  void aNewSecretVariableNeedsAValue() {
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () -> prefs.put("bob", List.of(), "{\"env\": [{\"name\": \"T\", \"secret\": true}]}"));
    assertEquals("env[0].value", e.field());
  }

  @Test
  void aUserCannotOverrideAProtectedVariable() {
    prefs.put(
        "bob",
        List.of(),
        "{\"env\": [{\"name\": \"HTTPS_PROXY\", \"value\": \"http://evil:1\"}, {\"name\": \"EDITOR\", \"value\": \"nano\"}]}");
    await("bob's preferences", () -> "nano".equals(env(decide("bob"), "EDITOR")));
    assertEquals("http://proxy:3128", env(decide("bob"), "HTTPS_PROXY"));
  }

  /**
   * Old-system defect 1: users could save any profile key (another user's volume, resources,
   * tolerations, GPUs, services) and the hub applied it as a last profile.
   */
  @Test
  void thePrivilegeEscalationOfTheOldSystemIsRefusedKeyByKey() {
    Map<String, String> attempts =
        Map.of(
            "volumes",
            "{\"volumes\": [{\"name\": \"alice-data\", \"persistentVolumeClaim\": {\"claimName\": \"alice-data\"}, \"mountPath\": \"data\"}]}",
            "resources",
            "{\"resources\": {\"limits\": {\"memory\": \"512Gi\"}}}",
            "node_tolerations",
            "{\"node_tolerations\": [{\"key\": \"nvidia.com/gpu\", \"operator\": \"Exists\"}]}",
            "services",
            "{\"services\": {\"spark\": {\"template\": \"x\"}}}",
            "gpu",
            "{\"gpu\": 4}",
            "image",
            "{\"image\": \"someone-elses-private:latest\"}",
            "env[0].valueFrom",
            "{\"env\": [{\"name\": \"STOLEN\", \"valueFrom\": {\"secretKeyRef\": {\"name\": \"alice-token\", \"key\": \"t\"}}}]}",
            "env[0].name",
            "{\"env\": [{\"name\": \"JUPYTERHUB_API_TOKEN\", \"value\": \"x\"}]}");
    attempts.forEach(
        (field, body) -> {
          InvalidRequestException e =
              assertThrows(
                  InvalidRequestException.class,
                  () -> prefs.put("mallory", List.of(), body),
                  field);
          assertEquals(field, e.field(), body);
        });
    assertNull(
        kube.client
            .configMaps()
            .inNamespace(NS)
            .withName(UserObjectNames.preferencesConfigMap("mallory"))
            .get(),
        "nothing may be saved by a refused request");

    // A GPU count within what the profiles grant is fine, and only ever lowers the grant.
    prefs.put("gina", List.of("gpu"), "{\"gpu\": 1}");
    await("gina's GPU choice", () -> decide("gina", "gpu").gpu() == 1);
    assertThrows(
        InvalidRequestException.class, () -> prefs.put("gina", List.of("gpu"), "{\"gpu\": 3}"));
  }

  @Test
  void preferencesWrittenByTheOldSystemWithProfileKeysGrantNothing() {
    // What a user could save before: a whole profile, with alice's volume and big resources.
    ConfigMap old =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(UserObjectNames.preferencesConfigMap("mallory"))
            .withNamespace(NS)
            .addToLabels(ConfigMapPreferenceStore.LABEL, "true")
            .endMetadata()
            .addToData(
                "profile",
                """
                last_selected_image: minimal:py3.9
                gpu: 8
                resources: {limits: {memory: 512Gi}}
                volumes: [{name: alice-data, persistentVolumeClaim: {claimName: alice-data}, mountPath: data}]
                env: [{name: MINE, value: '1'}]
                """)
            .build();
    kube.client.configMaps().inNamespace(NS).resource(old).create();
    await("the old preferences are read", () -> "1".equals(env(decide("mallory"), "MINE")));
    Decision d = decide("mallory");
    assertEquals(0, d.gpu(), "a saved GPU count never raises the grant");
    assertTrue(d.volumes().isEmpty(), "another user's volume: " + d.volumes());
    assertNull(d.resources().getLimits().get("memory"));
    assertFalse(
        d.env().contains(new EnvVar("HTTPS_PROXY", "http://evil", null)), d.env().toString());
  }
}
