package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.mutation.PodMutator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the spawn form is offered for one user ({@code GET /v1/options}), the live preview ({@code
 * POST /v1/previews}) and the form's choices in a spawn request, over HTTP.
 */
class SpawnOptionsTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String CONFIG =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: x}]
      - name: gpu team
        groups: [gpu]
        images: ['quay.io/org/gpu-*']
        gpu: 3
      sizes:
      - name: Small
        resources: {limits: {cpu: '1', memory: 1Gi}}
      - name: Large
        groups: [big]
        resources: {limits: {cpu: '8', memory: 8Gi}}
      gpuTypes:
      - type: a100
      - type: t4
      images:
      - {image: 'quay.io/org/minimal:1', displayName: Minimal, default: true}
      - {image: 'quay.io/org/gpu-torch:1', displayName: Torch, groups: [gpu]}
      unlistedImages:
        pattern: '^quay\\.io/org/custom-[a-z]+:[0-9]+$'
        groups: [builders]
      ui:
        gpuConfig: {enabled: true, type: dropdown, gpuDropdown: {start: 1}}
        envVarConfig:
          enabled: true
          categories:
          - name: AWS
            variables:
            - {name: AWS_ACCESS_KEY_ID, type: password}
            - {name: REGION, type: text}
      """;

  static HttpApi api;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    api =
        TestEdges.http(
            new DecisionService(
                new DecisionEngine(Engines.ruleBase(CONFIG)), new PodMutator(), AuditLog.NONE));
    base = "http://127.0.0.1:" + api.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    api.stop();
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(String method, String path, String body) throws Exception {
    HttpResponse<String> r = send(method, path, body);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  static List<String> names(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.path("name").asString()));
    return out;
  }

  @Test
  void eachUserIsOfferedOnlyWhatTheyMayChoose() throws Exception {
    JsonNode ana = ok("GET", "/v1/options?user=ana", null);
    assertEquals(List.of("quay.io/org/minimal:1"), names(ana.at("/images/images")));
    assertEquals(List.of("Small"), names(ana.get("sizes")));
    assertTrue(ana.get("unlistedImage").isNull(), "ana is not a builder");
    assertFalse(ana.at("/gpu/enabled").asBoolean(), "no profile grants ana GPUs");

    JsonNode gi = ok("GET", "/v1/options?user=gi&group=gpu&group=big&group=builders", null);
    assertEquals(
        List.of("quay.io/org/minimal:1", "quay.io/org/gpu-torch:1"),
        names(gi.at("/images/images")));
    assertEquals(List.of("Small", "Large"), names(gi.get("sizes")));
    assertEquals(
        "^quay\\.io/org/custom-[a-z]+:[0-9]+$", gi.at("/unlistedImage/pattern").asString());
    // The default image (minimal) is not a GPU image: the grant is for the selected choices.
    assertEquals("quay.io/org/minimal:1", gi.at("/selected/image").asString());
    assertEquals(0, gi.at("/gpu/max").asInt());

    JsonNode env = gi.get("envVarConfig");
    assertEquals("AWS", env.at("/categories/0/name").asString());
    assertEquals("password", env.at("/categories/0/variables/0/type").asString());
    assertEquals("text", env.at("/categories/0/variables/1/type").asString());
  }

  @Test
  void theGpuChoicesStartAtTheConfiguredCountAndEndAtTheGrant() throws Exception {
    // A saved GPU image makes the GPU profile apply to the selected choices.
    HttpResponse<String> saved =
        send(
            "PUT",
            "/v1/users/gi/preferences?group=gpu",
            "{\"image\": \"quay.io/org/gpu-torch:1\", \"gpu\": 2}");
    assertEquals(200, saved.statusCode(), saved.body());
    JsonNode gi = ok("GET", "/v1/options?user=gi&group=gpu", null);
    assertEquals("quay.io/org/gpu-torch:1", gi.at("/selected/image").asString());
    JsonNode gpu = gi.get("gpu");
    assertTrue(gpu.get("enabled").asBoolean());
    assertEquals(3, gpu.get("max").asInt());
    assertEquals("[1,2,3]", gpu.get("choices").toString(), "from gpuDropdown.start to the grant");
    assertEquals(2, gpu.get("default").asInt(), "the saved count");
    assertEquals("[\"a100\",\"t4\"]", gpu.get("types").toString());
    assertEquals("a100", gi.at("/selected/gpuType").asString());
    assertEquals(2, gi.at("/decision/gpu").asInt(), "the preview of the selected choices");
  }

  @Test
  void thePreviewIsADecisionThatIsNotRecordedAndADenialIsAnAnswer() throws Exception {
    JsonNode p =
        ok(
            "POST",
            "/v1/previews",
            "{\"user\": \"gi\", \"groups\": [\"gpu\"], \"image\": \"quay.io/org/gpu-torch:1\","
                + " \"gpu\": 1, \"gpuType\": \"t4\"}");
    assertTrue(p.get("allowed").asBoolean(), p.toString());
    assertEquals(1, p.get("gpu").asInt());
    assertEquals(3, p.get("gpuGrant").asInt(), "what the form may offer for this image");

    JsonNode denied = ok("POST", "/v1/previews", "{\"user\": \"ana\", \"size\": \"Large\"}");
    assertFalse(denied.get("allowed").asBoolean());
    assertEquals(
        "the size 'Large' is not offered to ana (it is for groups [big])",
        denied.at("/reasons/0").asString());
  }

  @Test
  void aSpawnRequestCarriesTheFormsGpuChoicesAndIsRefusedPastTheGrant() throws Exception {
    JsonNode d =
        ok(
            "POST",
            "/v1/decisions?explain=none",
            "{\"user\": \"gi\", \"groups\": [\"gpu\"], \"image\": \"quay.io/org/gpu-torch:1\","
                + " \"gpu\": 1, \"gpuType\": \"a100\"}");
    assertEquals(1, d.get("gpu").asInt());
    JsonNode over =
        ok(
            "POST",
            "/v1/decisions?explain=none",
            "{\"user\": \"gi\", \"groups\": [\"gpu\"], \"image\": \"quay.io/org/gpu-torch:1\","
                + " \"gpu\": 4}");
    assertFalse(over.get("allowed").asBoolean());
    HttpResponse<String> launch =
        send(
            "POST",
            "/v1/launches?explain=none",
            "{\"user\": \"ana\", \"image\": \"quay.io/org/gpu-torch:1\"}");
    assertEquals(403, launch.statusCode(), launch.body());
    assertTrue(launch.body().contains("is not offered to ana"), launch.body());

    HttpResponse<String> badType =
        send("POST", "/v1/previews", "{\"user\": \"gi\", \"gpuType\": \"h100\"}");
    assertEquals(400, badType.statusCode(), badType.body());
    assertEquals("gpuType", JSON.readTree(badType.body()).get("field").asString());
    assertTrue(badType.body().contains("a100, t4"), badType.body());
    HttpResponse<String> tooMany =
        send("POST", "/v1/previews", "{\"user\": \"gi\", \"gpu\": 3000000000}");
    assertEquals(400, tooMany.statusCode(), tooMany.body());
    assertEquals("gpu", JSON.readTree(tooMany.body()).get("field").asString());
  }

  @Test
  void savedChoicesMayBeACustomImageTheUserIsAllowedButNotAnotherGroupsSize() throws Exception {
    HttpResponse<String> custom =
        send(
            "PUT",
            "/v1/users/cy/preferences?group=builders",
            "{\"image\": \"quay.io/org/custom-lab:2\"}");
    assertEquals(200, custom.statusCode(), custom.body());
    JsonNode cy = ok("GET", "/v1/options?user=cy&group=builders", null);
    assertEquals("quay.io/org/custom-lab:2", cy.at("/selected/image").asString());
    HttpResponse<String> large = send("PUT", "/v1/users/ana/preferences", "{\"size\": \"Large\"}");
    assertEquals(400, large.statusCode(), large.body());
    assertEquals("size", JSON.readTree(large.body()).get("field").asString());
  }
}
