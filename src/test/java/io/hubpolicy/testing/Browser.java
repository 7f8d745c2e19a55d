package io.hubpolicy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real browser for tests: Debian's Chromium ({@code /usr/bin/chromium}) driven by playwright-core
 * from npm, one Node process per scenario.
 *
 * <p>A scenario is the body of an async JavaScript function written in the test; it gets {@code
 * page}, {@code context}, {@code browser} (Playwright's objects), {@code params} (the map given
 * from Java, as JSON), {@code out} (an object whose fields come back to Java), {@code
 * artifact(name)} (a path in the run's directory, for screenshots) and {@code forgeFormPost(action,
 * fields)}:
 *
 * <pre>{@code
 * BrowserRun run =
 *     Browser.require()
 *         .run("login", Map.of("url", url), """
 *             await page.goto(params.url);
 *             await page.fill('#username', 'alice');
 *             await page.click('button[type=submit]');
 *             out.greeting = await page.textContent('#greeting');
 *             await page.screenshot({ path: artifact('after-login.png') });
 *             """)
 *         .assertOk();
 * assertEquals("Hello alice", run.text("greeting"));
 * }</pre>
 *
 * <p>{@link #require()} skips the calling test (or fails it where {@link Parts#REQUIRE_ENV} names
 * {@code browser}) when Chromium, Node.js 20+, npm or the npm install are missing. What runs is
 * {@code src/test/browser/run.mjs}; each run's files (scenario, result.json, page.log, screenshots,
 * failure screenshots) stay in {@code target/browser-runs/NAME/}.
 */
public final class Browser {
  /** Where Debian's package puts the browser; {@code -Dhubpolicy.chromium=PATH} for another. */
  public static final String DEFAULT_CHROMIUM = "/usr/bin/chromium";

  /**
   * Added to what Playwright passes (which includes {@code --headless} and a fresh temporary {@code
   * --user-data-dir}). The tests run as root, hence no sandbox; there is no GPU; and this machine's
   * network is closed, where Chromium's own background connections (updates, sync, QUIC probes) are
   * refused many at a time and slow or break page loads.
   */
  public static final List<String> CHROMIUM_ARGS =
      List.of(
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-quic");

  static final int MIN_NODE_MAJOR = 20; // playwright-core 1.65's "engines"

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration SHORT = Duration.ofSeconds(30);
  private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\..*");
  private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
  private static Setup setup; // guarded by Browser.class: found once per JVM

  /** What was found on this machine, or why the browser cannot be had. */
  private record Setup(Path node, Path chromium, Path installDir, String problem) {}

  private final Setup found;
  private final Duration actionTimeout;
  private final Duration scenarioTimeout;
  private final int viewportWidth;
  private final int viewportHeight;

  private Browser(
      Setup found, Duration actionTimeout, Duration scenarioTimeout, int width, int height) {
    this.found = found;
    this.actionTimeout = actionTimeout;
    this.scenarioTimeout = scenarioTimeout;
    this.viewportWidth = width;
    this.viewportHeight = height;
  }

  /**
   * The browser, or the calling test ends here: skipped with the reason (failed instead where the
   * browser is required). Call it in the test method or {@code @BeforeEach}, so that each test
   * reports its own skip.
   */
  public static Browser require() {
    Setup s = setup();
    if (s.problem() != null) {
      throw Parts.missing(Parts.BROWSER, s.problem());
    }
    return new Browser(s, Duration.ofSeconds(10), Duration.ofSeconds(90), 1280, 800);
  }

  /** Why there is no browser here, without ending the test; empty when there is one. */
  public static Optional<String> unavailable() {
    return Optional.ofNullable(setup().problem());
  }

  /**
   * How long one Playwright action (click, fill, waitForSelector, goto...) may take before it fails
   * with Playwright's message. Default 10 s, well under Playwright's 30 s.
   */
  public Browser withActionTimeout(Duration d) {
    return new Browser(found, d, scenarioTimeout, viewportWidth, viewportHeight);
  }

  /** How long the whole scenario may take. Default 90 s. */
  public Browser withScenarioTimeout(Duration d) {
    return new Browser(found, actionTimeout, d, viewportWidth, viewportHeight);
  }

  public Browser withViewport(int width, int height) {
    return new Browser(found, actionTimeout, scenarioTimeout, width, height);
  }

  /** {@link #run(String, Map, String)} without parameters. */
  public BrowserRun run(String name, String scenario) {
    return run(name, Map.of(), scenario);
  }

  /**
   * Runs {@code scenario} (the body of {@code async function ({ page, context, browser, params,
   * out, artifact, forgeFormPost })}) in a newly launched Chromium with a new context and page.
   * Returns how it went; a failing scenario is a result ({@link BrowserRun#ok()} false), to be
   * checked with {@link BrowserRun#assertOk()} or {@link BrowserRun#assertFailed()}. A browser that
   * does not launch ends the test as a missing part does.
   *
   * @param name names the run's directory, {@code target/browser-runs/NAME[-N]}
   * @param params passed to the scenario as {@code params}, through JSON, so that no value is
   *     pasted into the script's text
   */
  public BrowserRun run(String name, Map<String, ?> params, String scenario) {
    Path dir = runDirectory(name);
    try {
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("installDir", found.installDir().toString());
      config.put("chromium", found.chromium().toString());
      config.put("chromiumArgs", CHROMIUM_ARGS);
      config.put("launchTimeoutMs", 60_000);
      config.put("actionTimeoutMs", actionTimeout.toMillis());
      config.put("scenarioTimeoutMs", scenarioTimeout.toMillis());
      config.put("viewport", Map.of("width", viewportWidth, "height", viewportHeight));
      config.put("params", params);
      Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
      Files.writeString(
          dir.resolve("scenario.mjs"),
          "// "
              + name
              + ": written by io.hubpolicy.testing.Browser; line N of the scenario is line N+2"
              + " here\nexport default async function ({ page, context, browser, params, out,"
              + " artifact, forgeFormPost }) {\n"
              + scenario
              + "\n}\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Past the scenario's own limit (which run.mjs enforces, with a failure screenshot), the
    // whole process is killed: launch and shutdown get a minute and a half more.
    Commands.Result r =
        Commands.run(
            List.of(found.node().toString(), script().toString(), dir.toString()),
            scenarioTimeout.plusSeconds(90),
            dir,
            pb -> {
              pb.directory(dir.toFile());
              pb.environment().remove("NODE_OPTIONS");
              pb.environment().remove("NODE_PATH");
            });
    BrowserRun run = BrowserRun.read(name, dir, r);
    if (r.exitCode() == 3) {
      throw Parts.missing(
          Parts.BROWSER,
          found.chromium() + " did not launch (see " + dir + "): " + run.errorMessage());
    }
    return run;
  }

  private static Path script() {
    return sources().resolve("run.mjs");
  }

  private static Path sources() {
    return Path.of("src/test/browser").toAbsolutePath();
  }

  private static Path runDirectory(String name) {
    String safe = name.replaceAll("[^A-Za-z0-9._-]+", "_");
    int n = RUNS.computeIfAbsent(safe, k -> new AtomicInteger()).incrementAndGet();
    Path dir = Path.of("target/browser-runs").resolve(n == 1 ? safe : safe + "-" + n);
    try {
      if (Files.exists(dir)) { // left by an earlier build
        try (var files = Files.walk(dir)) {
          for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      return Files.createDirectories(dir).toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static synchronized Setup setup() {
    if (setup == null) {
      setup = find(Path.of(System.getProperty("hubpolicy.chromium", DEFAULT_CHROMIUM)));
    }
    return setup;
  }

  /** Why a browser at {@code chromium} could not be had, for tests of the reasons. */
  static Optional<String> problemWith(Path chromium) {
    return Optional.ofNullable(find(chromium).problem());
  }

  /** Looks for each part in turn; the first one missing is the reason. */
  private static Setup find(Path chromium) {
    if (!Files.isExecutable(chromium)) {
      return problem(
          "needs Debian's chromium at "
              + chromium
              + ": apt-get install chromium (.ci/run installs it), or -Dhubpolicy.chromium=PATH");
    }
    Optional<Path> node = Commands.onPath("node");
    Optional<Path> npm = Commands.onPath("npm");
    if (node.isEmpty() || npm.isEmpty()) {
      return problem(
          "needs Node.js "
              + MIN_NODE_MAJOR
              + "+ and npm on PATH to run playwright-core (not found: "
              + (node.isEmpty() ? "node " : "")
              + (npm.isEmpty() ? "npm" : "").strip()
              + "); Debian 12's own nodejs is 18, too old, so .ci/run does not install it");
    }
    Commands.Result version = Commands.run(List.of(node.get().toString(), "--version"), SHORT);
    Matcher m = NODE_VERSION.matcher(version.stdout().strip());
    if (!version.ok() || !m.matches() || Integer.parseInt(m.group(1)) < MIN_NODE_MAJOR) {
      return problem(
          "needs Node.js "
              + MIN_NODE_MAJOR
              + "+ for playwright-core, "
              + node.get()
              + " --version says "
              + (version.ok() ? version.stdout().strip() : version.describe()));
    }
    if (!Files.isRegularFile(script())) {
      throw new IllegalStateException("the repository lacks " + script());
    }
    BrowserModules.Install install =
        BrowserModules.install(sources(), Path.of("target/browser").toAbsolutePath(), npm.get());
    if (install.problem() != null) {
      return problem(install.problem());
    }
    return new Setup(node.get(), chromium, install.dir(), null);
  }

  private static Setup problem(String why) {
    return new Setup(null, null, null, why);
  }
}
