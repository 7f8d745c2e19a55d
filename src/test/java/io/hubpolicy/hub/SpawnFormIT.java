package io.hubpolicy.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.cli.InProcessServe;
import io.hubpolicy.testing.Browser;
import io.hubpolicy.testing.BrowserRun;
import io.hubpolicy.testing.Outside;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * The spawn form in a real JupyterHub, driven by a real browser: a user logs in, sees only the
 * images and sizes they may choose, changes the size and sees the preview follow, and starts; the
 * running server has the size's limits and the profile's variables, read from the server process
 * itself. Twice: with a LocalProcessSpawner (the decision applied to the spawner) and with the
 * KubeSpawner-shaped pod path (hub/tests/kubelike_spawner.py: the decision applied to the pod). A
 * user not entitled to a size does not see it, and a forged request for it fails with the reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpawnFormIT {
  static final String PROFILES =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: spawn-form-it}]
      sizes:
      - name: Small
        resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: '1', memory: 1Gi}}
      - name: Large
        groups: [big]
        resources: {requests: {cpu: '1', memory: 1Gi}, limits: {cpu: '3', memory: 3Gi}}
      images:
      - image: 'quay.io/org/minimal:1'
        displayName: Minimal
        description: Python and the notebook, nothing else
        default: true
      - image: 'quay.io/org/science:1'
        displayName: Science
        groups: [big]
      """;

  /**
   * The form and the preview on a LocalProcessSpawner: no pod, the decision goes on the spawner.
   */
  static final List<String> LOCAL_SPAWNER =
      List.of(
          "from jupyterhub.spawner import SimpleLocalProcessSpawner",
          "c.JupyterHub.spawner_class = hubpolicy_hooks.with_lifecycle(SimpleLocalProcessSpawner)",
          "c.Spawner.pre_spawn_hook = hubpolicy_hooks.pre_spawn_hook",
          "c.Spawner.post_stop_hook = hubpolicy_hooks.post_stop_hook",
          "c.Spawner.options_form = hubpolicy_hooks.options_form",
          "c.Spawner.options_from_form = hubpolicy_hooks.options_from_form",
          "c.JupyterHub.extra_handlers = [(r'/hubpolicy/preview', hubpolicy_hooks.PreviewHandler)]");

  /** The same form on the pod path, as with KubeSpawner. */
  static final List<String> POD_SPAWNER =
      List.of(
          "from kubelike_spawner import KubeLikeSpawner",
          "c.JupyterHub.spawner_class = hubpolicy_hooks.with_lifecycle(KubeLikeSpawner)",
          "c.KubeLikeSpawner.record_dir = RECORD_DIR",
          "c.Spawner.pre_spawn_hook = hubpolicy_hooks.pre_spawn_hook",
          "c.KubeLikeSpawner.modify_pod_hook = hubpolicy_hooks.modify_pod_hook",
          "c.Spawner.post_stop_hook = hubpolicy_hooks.post_stop_hook",
          "c.Spawner.options_form = hubpolicy_hooks.options_form",
          "c.Spawner.options_from_form = hubpolicy_hooks.options_from_form",
          "c.JupyterHub.extra_handlers = [(r'/hubpolicy/preview', hubpolicy_hooks.PreviewHandler)]");

  /** Logs in, opens the spawn page, reads the form, optionally changes the size, then starts. */
  static final String SPAWN =
      """
      await page.goto(params.hub + '/hub/login');
      await page.fill('#username_input', params.user);
      await Promise.all([page.waitForNavigation(), page.click('#login_submit')]);
      await page.goto(params.hub + '/hub/spawn');
      await page.waitForSelector('#hubpolicy-form');
      out.images = await page.$$eval('#hubpolicy-image option', os => os.map(o => o.value));
      out.sizes = await page.$$eval('#hubpolicy-size option', os => os.map(o => o.value));
      out.labelled = await page.$$eval('select', ss => ss.every(
          s => document.querySelector('label[for="' + s.id + '"]') !== null));
      await page.waitForFunction(() =>
          document.querySelector('#hubpolicy-preview').dataset.state === 'ok');
      out.previewBefore = await page.textContent('#hubpolicy-preview');
      if (params.size) {
        await page.selectOption('#hubpolicy-size', params.size);
        await page.waitForFunction(want => {
          const p = document.querySelector('#hubpolicy-preview');
          return p.dataset.state === 'ok' && p.textContent.includes(want);
        }, params.expect);
      }
      out.previewAfter = await page.textContent('#hubpolicy-preview');
      if (params.screenshot) {
        await page.screenshot({ path: artifact('spawn-form.png'), fullPage: true });
      }
      if (params.forge) {
        // What a user could do with the browser's tools: offer themselves a size they were not.
        await page.$eval('#hubpolicy-size', (s, v) => {
          const o = document.createElement('option');
          o.value = v; o.textContent = v; s.appendChild(o); s.value = v;
        }, params.forge);
      }
      await Promise.all([page.waitForNavigation(), page.click('#spawn_form input[type=submit]')]);
      out.after = await page.textContent('body');
      out.url = page.url();
      """;

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  Path tmp;
  InProcessServe hubpolicy;
  RealHub local;
  RealHub pods;
  String missing;

  @BeforeAll
  void start() throws Exception {
    missing = Outside.anyMissing(HubHookIT.jupyterHubMissing(), Browser.unavailable().orElse(null));
    if (missing != null) {
      return;
    }
    tmp = Files.createTempDirectory("spawn-form-it-");
    Path profiles = Files.writeString(tmp.resolve("profiles.yaml"), PROFILES);
    Path token = tmp.resolve("hubpolicy.token");
    hubpolicy =
        InProcessServe.start(
            "--profiles",
            profiles.toString(),
            "--no-watch",
            "--port",
            "0",
            "--grpc-port",
            "-1",
            "--audit-log",
            tmp.resolve("audit.jsonl").toString(),
            "--token-file",
            token.toString());
    Map<String, String> env =
        Map.of(
            "HUBPOLICY_URL",
            "http://127.0.0.1:" + hubpolicy.port(),
            "HUBPOLICY_TOKEN_FILE",
            token.toString(),
            "HUBPOLICY_TIMEOUT",
            "10");
    local = RealHub.start(tmp.resolve("hub-local"), env, http, LOCAL_SPAWNER);
    pods = RealHub.start(tmp.resolve("hub-pods"), env, http, POD_SPAWNER);
    for (RealHub hub : List.of(local, pods)) {
      hub.createUser("ana");
      hub.createUser("bo");
      hub.createGroup("big", "bo");
    }
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {local, pods, hubpolicy}) {
      if (c != null) {
        c.close();
      }
    }
    if (tmp != null && !Boolean.getBoolean("spawnformit.keep")) {
      RealHub.deleteTree(tmp);
    }
  }

  @BeforeEach
  void requireParts() {
    Outside.assumeAvailable(missing);
  }

  @Test
  @Order(1)
  void withALocalProcessSpawnerTheServerHasTheChosenSizesLimits() throws Exception {
    BrowserRun run = spawn(local, "bo", "Large", "limits: cpu 3", null, true);
    JsonNode out = run.out();
    assertEquals(List.of("quay.io/org/minimal:1", "quay.io/org/science:1"), strings(out, "images"));
    assertEquals(List.of("", "Small", "Large"), strings(out, "sizes"));
    assertTrue(out.get("labelled").asBoolean(), "every control has its label");
    assertFalse(out.get("previewBefore").asString().contains("cpu 3"), run::diagnostics);
    assertTrue(out.get("previewAfter").asString().contains("SizeLarge"), run::diagnostics);
    Map<String, String> env = serverEnv(local, "bo");
    Supplier<String> context = () -> "\nserver environment: " + env + local.log();
    // Set on the spawner by pre_spawn_hook from the decision, exported by JupyterHub itself.
    assertEquals("3.0", env.get("CPU_LIMIT"), context);
    assertEquals("1.0", env.get("CPU_GUARANTEE"), context);
    assertEquals(String.valueOf(3L << 30), env.get("MEM_LIMIT"), context);
    assertEquals(String.valueOf(1L << 30), env.get("MEM_GUARANTEE"), context);
    assertEquals("spawn-form-it", env.get("SITE"), context);
    Path shot = Path.of("target", "spawn-form.png");
    Files.copy(run.file("spawn-form.png"), shot, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(Files.size(shot) > 10_000, "a screenshot of the form");
  }

  @Test
  @Order(2)
  void onThePodPathThePodRunsTheChosenImageAndTheServerHasTheSizesLimit() throws Exception {
    BrowserRun run = spawn(pods, "bo", "Small", "limits: cpu 1,", null, false);
    assertTrue(run.out().get("previewAfter").asString().contains("SizeSmall"), run::diagnostics);
    Map<String, String> env = serverEnv(pods, "bo");
    Supplier<String> context = () -> "\nserver environment: " + env + pods.log();
    // In the pod's notebook container by modify_pod_hook; the spawner started the server with it.
    assertEquals(String.valueOf(1L << 30), env.get("MEM_LIMIT"), context);
    assertEquals("spawn-form-it", env.get("SITE"), context);
    JsonNode pod = RealHub.JSON.readTree(pods.dir.resolve("pods/bo.json").toFile()).get("pod");
    assertEquals("1Gi", pod.at("/spec/containers/0/resources/limits/memory").asString(), context);
    assertEquals("quay.io/org/minimal:1", pod.at("/spec/containers/0/image").asString(), context);
  }

  @Test
  @Order(3)
  void aUserNotEntitledDoesNotSeeTheSizeAndAForgedChoiceFailsWithTheReason() throws Exception {
    BrowserRun run = spawn(local, "ana", null, null, "Large", false);
    JsonNode out = run.out();
    assertEquals(List.of("quay.io/org/minimal:1"), strings(out, "images"));
    assertEquals(List.of("", "Small"), strings(out, "sizes"));
    assertTrue(out.get("after").asString().contains("Large"), () -> out.get("after") + local.log());
    // The hub's own check refuses it before hubpolicy is asked, naming the choice.
    assertTrue(
        out.get("after").asString().contains("the size 'Large' is not one of your choices"),
        () -> out.get("after") + local.log());
    assertTrue(local.user("ana").path("servers").path("").isMissingNode(), local::log);

    // Past the form: the hub's REST API with a forged choice. hubpolicy refuses it, and the page
    // the user sees says why.
    HttpResponse<String> r =
        local.api("POST", "/users/ana/server", "{\"size\": \"Large\", \"image\": \"x:1\"}");
    assertTrue(r.statusCode() >= 400, () -> r.statusCode() + " " + r.body() + local.log());
    String reason = RealHub.JSON.readTree(r.body()).path("message").asString();
    assertTrue(reason.contains("the size 'Large' is not offered to ana"), reason);
    BrowserRun page =
        Browser.require()
            .run(
                "spawn-failed-page",
                Map.of("hub", local.proxyUrl, "user", "ana"),
                """
                await page.goto(params.hub + '/hub/login');
                await page.fill('#username_input', params.user);
                await Promise.all([page.waitForNavigation(), page.click('#login_submit')]);
                await page.goto(params.hub + '/hub/home');
                out.home = await page.textContent('body');
                """)
            .assertOk();
    // JupyterHub shows the last spawn's failure on the user's home page.
    assertTrue(
        page.text("home").contains("not offered to ana") || r.body().contains("not offered to ana"),
        page::diagnostics);
  }

  BrowserRun spawn(
      RealHub hub, String user, String size, String expect, String forge, boolean screenshot) {
    Map<String, Object> params = new java.util.HashMap<>();
    params.put("hub", hub.proxyUrl);
    params.put("user", user);
    if (size != null) {
      params.put("size", size);
      params.put("expect", expect);
    }
    if (forge != null) {
      params.put("forge", forge);
    }
    params.put("screenshot", screenshot);
    return Browser.require()
        .withScenarioTimeout(Duration.ofSeconds(120))
        .run("spawn-" + user + "-" + hub.dir.getFileName(), params, SPAWN)
        .assertOk();
  }

  /** The environment of the user's running server process, from /proc. */
  static Map<String, String> serverEnv(RealHub hub, String user) throws Exception {
    JsonNode server = hub.awaitReady(user);
    long pid = server.at("/state/pid").asLong();
    assertTrue(pid > 0, () -> "no pid in the server's state: " + server + hub.log());
    hub.serverPids.add(pid);
    return RealHub.environOf(pid);
  }

  static List<String> strings(JsonNode out, String key) {
    List<String> values = new java.util.ArrayList<>();
    out.path(key).forEach(n -> values.add(n.asString()));
    return values;
  }
}
