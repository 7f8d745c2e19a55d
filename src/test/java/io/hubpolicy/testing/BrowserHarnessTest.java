package io.hubpolicy.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The browser harness against a page served on loopback by the JDK's HTTP server. */
class BrowserHarnessTest {
  /** A spawn-like form: a select whose choice a script previews, and a submit button. */
  static final String FORM_PAGE =
      """
      <!doctype html>
      <html><head><title>Spawn</title></head><body>
      <form method="post" action="/spawn">
        <label>Name <input id="name" name="name"></label>
        <select id="profile" name="profile">
          <option value="small">Small</option>
          <option value="gpu">GPU</option>
        </select>
        <p id="preview">2 CPU, 4 GiB</p>
        <button id="start" type="submit">Start</button>
      </form>
      <script>
        const previews = { small: '2 CPU, 4 GiB', gpu: '8 CPU, 32 GiB, 1 GPU' };
        document.getElementById('profile').addEventListener('change', (e) => {
          // Late on purpose: the scenario has to wait for the text, not read it at once.
          setTimeout(() => {
            document.getElementById('preview').textContent = previews[e.target.value];
            console.log('preview updated to ' + e.target.value);
          }, 200);
        });
      </script>
      </body></html>
      """;

  record Request(String method, String path, Map<String, List<String>> headers, String body) {
    Map<String, String> form() {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String pair : body.split("&")) {
        String[] kv = pair.split("=", 2);
        if (kv.length == 2) {
          fields.put(decode(kv[0]), decode(kv[1]));
        }
      }
      return fields;
    }

    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : String.join(", ", values);
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }

  final List<Request> received = new CopyOnWriteArrayList<>();
  HttpServer server;
  String base;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Request r =
        new Request(
            ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders(), body);
    received.add(r);
    String page =
        switch (r.path()) {
          case "/" -> FORM_PAGE;
          case "/spawn" -> "<p id=\"done\">Spawning " + r.form().get("profile") + "</p>";
          case "/whoami" ->
              "<pre id=\"who\">"
                  + r.header("Authorization")
                  + " | "
                  + r.header("Cookie")
                  + "</pre>";
          default -> null;
        };
    byte[] bytes = (page == null ? "not found" : page).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.sendResponseHeaders(page == null ? 404 : 200, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  private List<Request> requestsTo(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  @Test
  void selectsAnOptionSeesThePreviewSubmitsAndTakesAScreenshot() throws IOException {
    BrowserRun run =
        Browser.require()
            .run(
                "form-select-submit",
                Map.of("url", base + "/", "name", "alice"),
                """
                await page.goto(params.url);
                out.before = await page.textContent('#preview');
                await page.selectOption('#profile', 'gpu');
                await page.waitForFunction(
                    () => document.querySelector('#preview').textContent.includes('GPU'));
                out.after = await page.textContent('#preview');
                await page.screenshot({ path: artifact('preview.png') });
                await page.fill('#name', params.name);
                await page.click('#start');
                await page.waitForSelector('#done');
                out.done = await page.textContent('#done');
                """)
            .assertOk();

    assertEquals("2 CPU, 4 GiB", run.text("before"));
    assertEquals("8 CPU, 32 GiB, 1 GPU", run.text("after"));
    assertEquals("Spawning gpu", run.text("done"));
    List<Request> posts = requestsTo("/spawn");
    assertEquals(1, posts.size(), () -> "one POST /spawn expected: " + received);
    assertEquals("POST", posts.get(0).method());
    assertEquals(Map.of("name", "alice", "profile", "gpu"), posts.get(0).form());
    assertTrue(
        run.log().stream().anyMatch(l -> l.contains("console.log: preview updated to gpu")),
        run::diagnostics);

    Path png = run.file("preview.png");
    assertTrue(Files.size(png) > 2_000, () -> png + " is only " + size(png) + " bytes");
    byte[] magic = Arrays.copyOf(Files.readAllBytes(png), 8);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, magic);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1280, image.getWidth());
    assertEquals(800, image.getHeight());
    System.out.printf(
        "browser: launch %d ms, scenario %d ms%n",
        run.launchTime().toMillis(), run.scenarioTime().toMillis());
  }

  @Test
  void headersCookiesAndAForgedFormPost() {
    BrowserRun run =
        Browser.require()
            .run(
                "headers-cookies-forged-post",
                Map.of("base", base),
                """
                await page.setExtraHTTPHeaders({ Authorization: 'token secret-1' });
                await context.addCookies([
                    { name: 'session', value: 's1', url: params.base, sameSite: 'Lax' }]);
                await page.goto(params.base + '/whoami');
                out.who = await page.textContent('#who');
                const forged = await forgeFormPost(params.base + '/spawn', { profile: 'forged' });
                out.forgedStatus = forged.status;
                out.forgedText = await forged.page.textContent('#done');
                """)
            .assertOk();

    assertEquals("token secret-1 | session=s1", run.text("who"));
    assertEquals("200", run.text("forgedStatus"));
    assertEquals("Spawning forged", run.text("forgedText"));
    Request forged = requestsTo("/spawn").get(0);
    assertEquals(Map.of("profile", "forged"), forged.form());
    // What a cross-site forgery looks like to the server: an opaque origin, no Lax cookie and
    // none of the headers that only the victim's own page sets.
    assertEquals("null", forged.header("Origin"));
    assertNull(forged.header("Cookie"), () -> "cookie sent with the forged POST: " + forged);
    assertNull(forged.header("Authorization"));
  }

  @Test
  void aFailingScenarioReportsNodesErrorThePageLogAndAScreenshot() {
    BrowserRun run =
        Browser.require()
            .withActionTimeout(Duration.ofSeconds(2))
            .run(
                "fails-waiting",
                Map.of("url", base + "/"),
                """
                await page.goto(params.url);
                await page.evaluate(() => console.error('about to fail'));
                await page.waitForSelector('#never-there');
                """)
            .assertFailed();

    assertEquals(1, run.exitCode());
    String message = run.errorMessage();
    assertTrue(message.contains("#never-there") && message.contains("2000"), message);
    assertFalse(message.contains("\u001b"), "terminal colour codes in " + message);
    String diagnostics = run.diagnostics();
    assertTrue(diagnostics.contains("scenario.mjs:5"), diagnostics); // line 3 of the scenario
    assertTrue(diagnostics.contains("console.error: about to fail"), diagnostics);
    assertEquals(List.of(run.file("failure.png")), run.failureScreenshots(), diagnostics);
    assertTrue(Files.isRegularFile(run.file("failure.png")), diagnostics);

    AssertionError error = assertThrows(AssertionError.class, run::assertOk);
    assertTrue(
        error.getMessage().contains("FAILED") && error.getMessage().contains("#never-there"));
  }

  @Test
  void aScenarioThatThrowsOrDoesNotParseSaysSo() {
    Browser browser = Browser.require();
    BrowserRun thrown =
        browser.run("throws", "throw new Error('no spawn form here');").assertFailed();
    assertEquals("no spawn form here", thrown.errorMessage());
    assertTrue(thrown.error().contains("scenario.mjs:3"), thrown::diagnostics);

    BrowserRun broken = browser.run("does-not-parse", "await page.goto(;").assertFailed();
    assertTrue(broken.diagnostics().contains("SyntaxError"), broken::diagnostics);
    assertTrue(broken.diagnostics().contains("scenario.mjs:3"), broken::diagnostics);
  }

  @Test
  void aMissingChromiumIsAPreciseReason() {
    String reason = Browser.problemWith(Path.of("/nonexistent/chromium")).orElseThrow();
    assertTrue(
        reason.startsWith("needs Debian's chromium at /nonexistent/chromium: apt-get install"),
        reason);
    assertFalse(reason.isBlank());
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }
}
