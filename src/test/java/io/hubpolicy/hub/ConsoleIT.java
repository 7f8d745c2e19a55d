package io.hubpolicy.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.cli.InProcessServe;
import io.hubpolicy.testing.Browser;
import io.hubpolicy.testing.BrowserRun;
import io.hubpolicy.testing.Outside;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * The console in a real browser (Debian's Chromium): a wrong token is refused, What if shows the
 * explanation, History finds a recorded decision and opens its page, Diff lists the users whose
 * decisions a candidate changes; and, against a real JupyterHub with hubpolicy registered as its
 * OAuth service, the hub login lets a hub admin and a member of the configured group in and refuses
 * a hub user who is neither. Each page's screenshot is left in {@code target/console-*.png} (the
 * ones in docs/images come from here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {
  static final String TOKEN = "console-it-token";

  static final String PROFILES =
      """
      profiles:
      - name: everyone
        env: [{name: SITE, value: console-it}]
        resources: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: '1', memory: 1Gi}}
      - name: data science
        groups: [ds]
        images: ['quay.io/org/science:*']
        resources: {limits: {memory: 4Gi}}
        env: [{name: SPARK_MASTER, value: 'spark://ds:7077'}]
      - name: gpu team
        users: [erin]
        gpu: 1
      sizes:
      - name: Small
        resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '1', memory: 2Gi}}
      - name: Large
        resources: {requests: {cpu: '2', memory: 4Gi}, limits: {cpu: '4', memory: 8Gi}}
      """;

  /** The data science profile's memory limit raised: only its members' decisions change. */
  static final String CANDIDATE =
      PROFILES.replace("limits: {memory: 4Gi}", "limits: {memory: 6Gi}");

  /** Logs in with a token on the console's login page. */
  static final String LOGIN =
      """
      await page.goto(params.console + '/ui/login');
      await page.fill('#token', params.token);
      await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
      """;

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  Path tmp;
  InProcessServe hubpolicy;
  RealHub hub;
  String console;
  String browserMissing;
  String hubMissing;

  @BeforeAll
  void start() throws Exception {
    browserMissing = Browser.unavailable().orElse(null);
    if (browserMissing != null) {
      return;
    }
    hubMissing = HubHookIT.jupyterHubMissing();
    tmp = Files.createTempDirectory("console-it-");
    Path profiles = Files.writeString(tmp.resolve("profiles.yaml"), PROFILES);
    Path token = Files.writeString(tmp.resolve("hubpolicy.token"), TOKEN + "\n");
    Path secret = Files.writeString(tmp.resolve("client-secret"), "console-it-client-secret\n");
    int port = RealHub.freePort();
    console = "http://127.0.0.1:" + port;
    if (hubMissing == null) {
      // The hub first: hubpolicy's hub login needs its address. hubpolicy is its OAuth client
      // (the service's api_token is the client secret); ana may reach the service but is neither
      // an admin nor in the group; cy is in the group; root is a hub admin.
      hub =
          RealHub.start(
              tmp.resolve("hub"),
              Map.of(
                  "HUBPOLICY_URL",
                  console,
                  "HUBPOLICY_TOKEN_FILE",
                  token.toString(),
                  "HUBPOLICY_TIMEOUT",
                  "10"),
              http,
              List.of(
                  "from jupyterhub.spawner import SimpleLocalProcessSpawner",
                  "c.JupyterHub.spawner_class = SimpleLocalProcessSpawner",
                  "c.Authenticator.admin_users = {'root'}",
                  "c.Authenticator.allowed_users = {'root', 'ana', 'cy'}",
                  "c.JupyterHub.load_groups = {'policy-admins': ['cy']}",
                  "c.JupyterHub.services.append({'name': 'hubpolicy', 'api_token':"
                      + " 'console-it-client-secret', 'oauth_no_confirm': True,"
                      + " 'oauth_redirect_uri': "
                      + RealHub.py(console + "/ui/oauth/callback")
                      + "})",
                  "c.JupyterHub.load_roles.append({'name': 'console-users', 'scopes':"
                      + " ['access:services!service=hubpolicy'], 'users': ['ana', 'cy']})"));
    }
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--profiles",
                profiles.toString(),
                "--no-watch",
                "--port",
                Integer.toString(port),
                "--grpc-port",
                "-1",
                "--audit-log",
                tmp.resolve("audit.jsonl").toString(),
                "--token-file",
                token.toString()));
    if (hub != null) {
      args.addAll(
          List.of(
              "--ui-hub-url",
              hub.proxyUrl,
              "--ui-client-secret-file",
              secret.toString(),
              "--ui-hub-group",
              "policy-admins"));
    }
    hubpolicy = InProcessServe.start(args.toArray(String[]::new));
    // Recorded decisions for History and Diff.
    decide("dora", "quay.io/org/science:2", "Large", "ds");
    decide("erin", "quay.io/org/science:2", null, "ds");
    decide("frank", "quay.io/org/minimal:1", "Small");
    decide("<b>gus&amp;", "quay.io/org/minimal:1", null);
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {hub, hubpolicy}) {
      if (c != null) {
        c.close();
      }
    }
    if (tmp != null && !Boolean.getBoolean("consoleit.keep")) {
      RealHub.deleteTree(tmp);
    }
  }

  private Browser browser() {
    Outside.assumeAvailable(browserMissing);
    return Browser.require().withScenarioTimeout(Duration.ofSeconds(150)).withViewport(1280, 900);
  }

  private Map<String, Object> params(Object... kv) {
    Map<String, Object> m = new java.util.HashMap<>();
    m.put("console", console);
    m.put("token", TOKEN);
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void aWrongTokenIsRefused() {
    BrowserRun run =
        browser()
            .run(
                "console-wrong-token",
                params("token", "not-it"),
                """
                await page.goto(params.console + '/ui/login');
                await page.fill('#token', params.token);
                await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
                out.problem = await page.textContent('#problem');
                await page.goto(params.console + '/ui/');
                out.url = page.url();
                out.cookies = (await context.cookies()).map(c => c.name);
                """)
            .assertOk();
    assertTrue(run.text("problem").contains("not one hubpolicy accepts"), run::diagnostics);
    assertEquals(console + "/ui/login", run.text("url"), "still not logged in");
    assertFalse(run.out().path("cookies").toString().contains("hubpolicy_console"));
  }

  @Test
  void whatIfShowsTheExplanation() throws Exception {
    BrowserRun run =
        browser()
            .run(
                "console-what-if",
                params(),
                LOGIN
                    + """
                    await page.fill('#user', 'erin');
                    await page.fill('#groups', 'ds');
                    await page.fill('#image', 'quay.io/org/science:3');
                    await page.selectOption('#size', 'Small');
                    await Promise.all([page.waitForNavigation(), page.click('#what-if button[type=submit]')]);
                    out.verdict = await page.textContent('#verdict');
                    out.fields = await page.$$eval('#fields tbody tr', rs => rs.map(r =>
                        [...r.querySelectorAll('td')].map(td => td.textContent.trim())));
                    out.fired = await page.$$eval('#fired li', ls => ls.map(l => l.textContent));
                    await page.screenshot({ path: artifact('console-what-if.png'), fullPage: true });
                    """)
            .assertOk();
    assertEquals("Allowed", run.text("verdict"), run::diagnostics);
    JsonNode memory = row(run.out().path("fields"), "resources.limits.memory");
    // The size set it last, over the data science profile, which was over everyone's.
    assertEquals("\"2Gi\"", memory.get(1).asString(), run::diagnostics);
    assertTrue(memory.get(2).asString().contains("chosen size"), memory::toString);
    assertTrue(memory.get(3).asString().contains("\"4Gi\""), memory::toString);
    assertTrue(memory.get(3).asString().contains("data science"), memory::toString);
    assertTrue(run.out().path("fired").size() > 3, run::diagnostics);
    keep(run, "console-what-if.png");
  }

  @Test
  void historyFindsADecisionAndOpensItsPage() throws Exception {
    BrowserRun run =
        browser()
            .run(
                "console-history",
                params(),
                LOGIN
                    + """
                    await page.goto(params.console + '/ui/history');
                    out.all = await page.$$eval('#decisions td.user', ts => ts.map(t => t.textContent));
                    await page.screenshot({ path: artifact('console-history.png'), fullPage: true });
                    await page.fill('#user', 'dora');
                    await Promise.all([page.waitForNavigation(), page.click('#history-search button[type=submit]')]);
                    out.found = await page.$$eval('#decisions td.user', ts => ts.map(t => t.textContent));
                    await Promise.all([page.waitForNavigation(), page.click('#decisions a.decision')]);
                    out.user = await page.textContent('#user');
                    out.revision = await page.textContent('#revision');
                    out.fields = await page.$$eval('#fields tbody tr td:first-child', ts => ts.map(t => t.textContent));
                    await page.screenshot({ path: artifact('console-decision.png'), fullPage: true });
                    await page.goto(params.console + '/ui/config');
                    out.config = await page.textContent('#revision');
                    await page.screenshot({ path: artifact('console-config.png'), fullPage: true });
                    """)
            .assertOk();
    List<String> all = SpawnFormIT.strings(run.out(), "all");
    assertTrue(all.containsAll(List.of("dora", "erin", "frank", "<b>gus&amp;")), all::toString);
    assertEquals(List.of("dora"), SpawnFormIT.strings(run.out(), "found"), run::diagnostics);
    assertEquals("dora", run.text("user"));
    assertEquals(run.text("config"), run.text("revision"), "decided on the serving revision");
    assertTrue(
        SpawnFormIT.strings(run.out(), "fields").contains("resources.limits.memory"),
        run::diagnostics);
    keep(run, "console-history.png");
    keep(run, "console-decision.png");
    keep(run, "console-config.png");
  }

  @Test
  void diffListsTheUsersWhoseDecisionsChange() throws Exception {
    Path candidate = Files.writeString(tmp.resolve("candidate.yaml"), CANDIDATE);
    BrowserRun run =
        browser()
            .run(
                "console-diff",
                params("candidate", candidate.toString()),
                LOGIN
                    + """
                    await page.goto(params.console + '/ui/diff');
                    await page.setInputFiles('#file', params.candidate);
                    await Promise.all([page.waitForNavigation(), page.click('#diff button[type=submit]')]);
                    out.summary = await page.textContent('#diff-summary');
                    out.users = await page.$$eval('#changes td.user', ts => ts.map(t => t.textContent));
                    out.fields = await page.$$eval('#changes td.field', ts => ts.map(t => t.textContent));
                    await page.screenshot({ path: artifact('console-diff.png'), fullPage: true });
                    """)
            .assertOk();
    List<String> users = SpawnFormIT.strings(run.out(), "users");
    // dora's Large size sets her memory limit after every profile: her decision keeps 8Gi.
    assertEquals(List.of("erin"), users, run::diagnostics);
    assertTrue(
        SpawnFormIT.strings(run.out(), "fields").contains("resources.limits.memory"),
        run::diagnostics);
    keep(run, "console-diff.png");
  }

  @Test
  void theHubLoginLetsAdminsAndTheGroupInAndRefusesOtherHubUsers() throws Exception {
    browser();
    Outside.assumeAvailable(hubMissing);
    String scenario =
        """
        await page.goto(params.hub + '/hub/login');
        await page.fill('#username_input', params.user);
        await Promise.all([page.waitForNavigation(), page.click('#login_submit')]);
        await page.goto(params.console + '/ui/login');
        await page.click('#hub-login');
        await page.waitForSelector('#what-if, #problem', { timeout: 30000 });
        out.url = page.url();
        out.viewer = await page.$eval('#viewer', e => e.textContent).catch(() => null);
        out.problem = await page.$eval('#problem', e => e.textContent).catch(() => null);
        if (params.shot) {
          await page.goto(params.console + '/ui/login');
          await page.screenshot({ path: artifact('console-login.png') });
        }
        """;
    for (String user : List.of("root", "cy")) {
      BrowserRun in =
          browser()
              .run("console-hub-" + user, params("hub", hub.proxyUrl, "user", user), scenario)
              .assertOk();
      assertEquals(console + "/ui/", in.text("url"), () -> in.diagnostics() + hub.log());
      assertEquals(user, in.text("viewer"), in::diagnostics);
    }
    BrowserRun out =
        browser()
            .run(
                "console-hub-ana",
                params("hub", hub.proxyUrl, "user", "ana", "shot", true),
                scenario)
            .assertOk();
    assertTrue(
        out.text("problem")
            .contains("hub user 'ana' is not a hub admin nor in group policy-admins"),
        () -> out.diagnostics() + hub.log());
    assertTrue(out.out().path("viewer").isNull(), out::diagnostics);
    keep(out, "console-login.png");
  }

  static JsonNode row(JsonNode rows, String field) {
    for (JsonNode r : rows) {
      if (r.get(0).asString().equals(field)) {
        return r;
      }
    }
    throw new AssertionError("no row for " + field + " in " + rows);
  }

  static void keep(BrowserRun run, String name) throws Exception {
    Path shot = Path.of("target", name);
    Files.copy(run.file(name), shot, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(Files.size(shot) > 10_000, "a screenshot of the page");
  }

  private void decide(String user, String image, String size, String... groups) throws Exception {
    StringBuilder g = new StringBuilder();
    for (String x : groups) {
      g.append(g.length() == 0 ? "" : ",").append(RealHub.JSON.writeValueAsString(x));
    }
    String body =
        "{\"user\":"
            + RealHub.JSON.writeValueAsString(user)
            + ",\"image\":"
            + RealHub.JSON.writeValueAsString(image)
            + (size == null ? "" : ",\"size\":" + RealHub.JSON.writeValueAsString(size))
            + ",\"groups\":["
            + g
            + "]}";
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(console + "/v1/decisions"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }
}
