package io.hubpolicy.console;

import static io.hubpolicy.console.Html.esc;

import io.hubpolicy.api.Failure;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.auth.Tokens;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console at {@code /ui/}, on the API's server: plain server-rendered pages (What if,
 * History, Configuration, Diff), a stylesheet from the jar and no script. Anyone using it has
 * logged in, with a bearer token hubpolicy accepts or, when configured, through the hub's OAuth as
 * a hub admin or a member of a configured group; the login is a signed cookie ({@link Sessions}),
 * HttpOnly and SameSite=Strict, and every POST also carries the session's form token and, when the
 * browser sends one, an {@code Origin} of this server.
 */
public final class Console implements HttpApi.Pages {
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);

  /** The most a form may send: a pod on What if; a candidate on Diff (a multipart upload). */
  static final int FORM_BODY = 1024 * 1024;

  static final int DIFF_BODY = ConsoleDiff.MAX_CANDIDATE + 64 * 1024;

  private static final String STATE_COOKIE = "hubpolicy_oauth_state";

  /** Each failure kind's status on a page: the console's own table, as each edge has one. */
  static final Map<Failure.Kind, Integer> STATUS = new EnumMap<>(Failure.Kind.class);

  static {
    STATUS.put(Failure.Kind.BAD_REQUEST, 400);
    STATUS.put(Failure.Kind.DENIED, 403);
    STATUS.put(Failure.Kind.NOT_FOUND, 404);
    STATUS.put(Failure.Kind.PRECONDITION, 503);
    STATUS.put(Failure.Kind.UNPROCESSABLE, 422);
    STATUS.put(Failure.Kind.UNAVAILABLE, 503);
    STATUS.put(Failure.Kind.UPSTREAM, 502);
    STATUS.put(Failure.Kind.TIMEOUT, 504);
    STATUS.put(Failure.Kind.INTERNAL, 500);
  }

  private final Tokens tokens;
  private final Sessions sessions;
  private final HubLogin hub;
  private final WhatIfView whatIf;
  private final HistoryView history;
  private final ConfigurationView configuration;
  private final DiffView diff;
  private final Path uploads;
  private final String css;

  /**
   * @param hubLogin null: token login only
   * @param uploads where a Diff upload is kept while its request lasts
   */
  public Console(
      PolicyCalls calls,
      DecisionHistory decisions,
      Tokens tokens,
      HubSettings hubLogin,
      Path uploads) {
    this.tokens = tokens;
    this.sessions = new Sessions(tokens, Clock.systemUTC());
    this.hub =
        hubLogin == null
            ? null
            : new HubLogin(
                hubLogin.settings(),
                HttpClient.newBuilder()
                    // HTTP/2's cleartext upgrade is not for the hub's proxy, which then says
                    // nothing at all (configurable-http-proxy).
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build());
    this.whatIf = new WhatIfView(calls);
    this.history = new HistoryView(decisions, calls);
    this.configuration = new ConfigurationView(calls);
    this.diff = new DiffView(new ConsoleDiff(calls, decisions));
    this.uploads = uploads;
    this.css = resource("console.css");
  }

  /**
   * The hub login's settings, as the composition root reads them.
   *
   * @see HubLogin.Settings
   */
  public record HubSettings(
      String url,
      String apiUrl,
      String clientId,
      String clientSecret,
      String callbackUrl,
      java.util.List<String> groups) {
    HubLogin.Settings settings() {
      return new HubLogin.Settings(url, apiUrl, clientId, clientSecret, callbackUrl, groups);
    }

    @Override
    public String toString() {
      return "hub login at " + url + " as " + clientId + ", groups " + groups; // no secret
    }
  }

  @Override
  public void mount(Router r, boolean secure) {
    r.route("/ui/*").handler(this::headers);
    // A route for "/ui" matches "/ui/" too: only the bare path is sent on.
    r.get("/ui")
        .handler(
            ctx -> {
              if (ctx.request().path().equals("/ui")) {
                redirect(ctx, "/ui/");
              } else {
                ctx.next();
              }
            });
    r.get("/ui/static/console.css")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/css; charset=utf-8")
                    .putHeader("Cache-Control", "max-age=300")
                    .end(css));
    BodyHandler forms = BodyHandler.create(false).setBodyLimit(FORM_BODY);
    r.get("/ui/login").handler(ctx -> loginPage(ctx, 200, null));
    r.post("/ui/login").handler(forms).handler(this::sameOrigin).handler(ctx -> login(ctx, secure));
    r.get("/ui/oauth/start").handler(ctx -> oauthStart(ctx, secure));
    r.get("/ui/oauth/callback").handler(ctx -> oauthCallback(ctx, secure));
    r.route("/ui/*").handler(this::guard);
    r.post("/ui/logout").handler(forms).handler(this::csrf).handler(ctx -> logout(ctx, secure));
    r.get("/ui/").handler(ctx -> page(ctx, v -> whatIf.render(q(ctx), v)));
    r.post("/ui/")
        .handler(forms)
        .handler(this::csrf)
        .handler(ctx -> page(ctx, v -> whatIf.render(f(ctx), v)));
    r.get("/ui/history").handler(ctx -> page(ctx, v -> history.search(q(ctx), v)));
    r.get("/ui/history/:id")
        .handler(ctx -> page(ctx, v -> history.decision(ctx.pathParam("id"), v)));
    r.get("/ui/config")
        .handler(ctx -> page(ctx, v -> new WhatIfView.Page(200, configuration.render(v))));
    r.get("/ui/diff").handler(ctx -> page(ctx, diff::form));
    r.post("/ui/diff")
        .handler(
            BodyHandler.create(true)
                .setBodyLimit(DIFF_BODY)
                .setUploadsDirectory(uploads.toString())
                .setDeleteUploadedFilesOnEnd(true))
        .handler(this::csrf)
        .handler(ctx -> page(ctx, v -> diff.run(candidate(ctx), f(ctx).apply("records"), v)));
  }

  // ---- what every page does

  private void headers(RoutingContext ctx) {
    ctx.response()
        .putHeader(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
                + (hub == null ? "" : " " + origin(hub.settings().url()))
                + "; frame-ancestors 'none'; base-uri 'none'")
        .putHeader("X-Content-Type-Options", "nosniff")
        // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on a
        // form's POST, which the origin check would refuse.
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  /** Logged in, or sent to the login page (a POST is refused: its form would be lost anyway). */
  private void guard(RoutingContext ctx) {
    Sessions.Session s = sessions.check(cookie(ctx, Sessions.COOKIE));
    if (s != null) {
      ctx.put("session", s);
      ctx.next();
      return;
    }
    if (ctx.request().method() == HttpMethod.GET) {
      redirect(ctx, "/ui/login");
    } else {
      errorPage(ctx, 401, null, "Log in first: your session has ended or was never started.");
    }
  }

  /** A POST comes from a page of this console: its form token, and its Origin when sent. */
  private void csrf(RoutingContext ctx) {
    Sessions.Session s = ctx.get("session");
    if (!sameOriginOk(ctx) || !sessions.csrfOk(s, ctx.request().getFormAttribute("csrf"))) {
      LOG.warn(
          "console: refused a {} to {} without this session's form token (from {})",
          ctx.request().method(),
          ctx.normalizedPath(),
          ctx.request().remoteAddress());
      errorPage(ctx, 403, viewer(s), "This form did not come from this console; reload it.");
      return;
    }
    ctx.next();
  }

  private void sameOrigin(RoutingContext ctx) {
    if (!sameOriginOk(ctx)) {
      errorPage(ctx, 403, null, "This form did not come from this console; reload it.");
      return;
    }
    ctx.next();
  }

  private static boolean sameOriginOk(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    return origin == null || origin.equals(self(ctx));
  }

  /** This server as the browser addressed it (HTTP/1.1's Host, HTTP/2's :authority). */
  private static String self(RoutingContext ctx) {
    io.vertx.core.net.HostAndPort a = ctx.request().authority();
    String host = a == null ? "" : a.host() + (a.port() >= 0 ? ":" + a.port() : "");
    return ctx.request().scheme() + "://" + host;
  }

  private interface View {
    WhatIfView.Page render(Html.Viewer viewer);
  }

  /** Renders on a worker (pages read the audit store, build rule bases, replay history). */
  private void page(RoutingContext ctx, View view) {
    Html.Viewer v = viewer(ctx.get("session"));
    ctx.vertx()
        .executeBlocking(() -> view.render(v), false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                html(ctx, ar.result().status(), ar.result().html());
              } else {
                Failure failure = Failure.of(ar.cause());
                errorPage(ctx, STATUS.get(failure.kind()), v, failure.message());
              }
            });
  }

  private Html.Viewer viewer(Sessions.Session s) {
    return s == null ? null : new Html.Viewer(s.name(), s.via(), sessions.csrf(s));
  }

  private static java.util.function.Function<String, String> q(RoutingContext ctx) {
    return name -> ctx.queryParams().get(name);
  }

  private static java.util.function.Function<String, String> f(RoutingContext ctx) {
    return name -> ctx.request().getFormAttribute(name);
  }

  /** The uploaded file's text when a file was chosen, else the pasted text. */
  private static String candidate(RoutingContext ctx) {
    for (FileUpload u : ctx.fileUploads()) {
      if (u.name().equals("file") && u.size() > 0) {
        if (u.size() > ConsoleDiff.MAX_CANDIDATE) {
          return tooLarge();
        }
        try {
          return Files.readString(Path.of(u.uploadedFileName()), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the uploaded file", e);
        }
      }
    }
    return ctx.request().getFormAttribute("candidate");
  }

  private static String tooLarge() {
    throw new io.hubpolicy.model.InvalidRequestException(
        "file",
        "the uploaded file is larger than " + ConsoleDiff.MAX_CANDIDATE / (1024 * 1024) + " MiB");
  }

  // ---- logging in

  private void loginPage(RoutingContext ctx, int status, String problem) {
    StringBuilder b = new StringBuilder();
    if (problem != null) {
      b.append(Html.box("error", "<span id=\"problem\">" + esc(problem) + "</span>"));
    }
    b.append("<form id=\"login\" method=\"post\" action=\"/ui/login\" class=\"grid\">")
        .append("<label for=\"token\">Bearer token</label>")
        .append("<input id=\"token\" name=\"token\" type=\"password\" required")
        .append(" autocomplete=\"current-password\">")
        .append("<div></div><button type=\"submit\">Log in</button></form>")
        .append("<p class=\"note\">A token hubpolicy accepts on its API (")
        .append(esc(tokens.describe()))
        .append(").</p>");
    if (hub != null) {
      b.append("<p><a id=\"hub-login\" class=\"button\" href=\"/ui/oauth/start\">")
          .append("Log in with JupyterHub</a> (hub admins")
          .append(
              hub.settings().groups().isEmpty()
                  ? ""
                  : " and members of " + esc(String.join(", ", hub.settings().groups())))
          .append(")</p>");
    }
    html(ctx, status, Html.page("Log in", null, null, b.toString()));
  }

  private void login(RoutingContext ctx, boolean secure) {
    String token = ctx.request().getFormAttribute("token");
    if (!tokens.accepts(token == null ? null : token.strip())) {
      LOG.warn("console: a login with a wrong token from {}", ctx.request().remoteAddress());
      loginPage(ctx, 401, "That token is not one hubpolicy accepts.");
      return;
    }
    startSession(ctx, "token holder", "token", secure);
    redirect(ctx, "/ui/");
  }

  private void logout(RoutingContext ctx, boolean secure) {
    ctx.response().addCookie(session("", secure).setMaxAge(0));
    redirect(ctx, "/ui/login");
  }

  private void startSession(RoutingContext ctx, String name, String via, boolean secure) {
    ctx.response()
        .addCookie(session(sessions.issue(name, via), secure).setMaxAge(Sessions.TTL.toSeconds()));
  }

  private static Cookie session(String value, boolean secure) {
    return Cookie.cookie(Sessions.COOKIE, value)
        .setPath("/ui")
        .setHttpOnly(true)
        .setSecure(secure)
        .setSameSite(CookieSameSite.STRICT);
  }

  private void oauthStart(RoutingContext ctx, boolean secure) {
    if (hub == null) {
      errorPage(ctx, 404, null, "Logging in with JupyterHub is not configured (--ui-hub-url).");
      return;
    }
    String state = Sessions.random();
    // Lax, not Strict: the hub's redirect back is a navigation from another site.
    ctx.response()
        .addCookie(
            Cookie.cookie(STATE_COOKIE, state)
                .setPath("/ui/oauth")
                .setHttpOnly(true)
                .setSecure(secure)
                .setSameSite(CookieSameSite.LAX)
                .setMaxAge(600));
    redirect(ctx, hub.authorizeUrl(state, callbackUrl(ctx)));
  }

  private void oauthCallback(RoutingContext ctx, boolean secure) {
    if (hub == null) {
      errorPage(ctx, 404, null, "Logging in with JupyterHub is not configured (--ui-hub-url).");
      return;
    }
    String state = ctx.queryParams().get("state");
    String expected = cookie(ctx, STATE_COOKIE);
    ctx.response().addCookie(Cookie.cookie(STATE_COOKIE, "").setPath("/ui/oauth").setMaxAge(0));
    if (state == null
        || expected == null
        || !java.security.MessageDigest.isEqual(
            state.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
      errorPage(
          ctx,
          400,
          null,
          "This login did not start here (its state does not match); log in again.");
      return;
    }
    String code = ctx.queryParams().get("code");
    if (code == null || code.isEmpty()) {
      String why = ctx.queryParams().get("error");
      errorPage(ctx, 403, null, "The hub did not log you in" + (why == null ? "." : ": " + why));
      return;
    }
    String redirectUri = callbackUrl(ctx);
    ctx.vertx()
        .executeBlocking(() -> hub.identify(code, redirectUri), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn("console: hub login failed: {}", ar.cause().getMessage());
                errorPage(
                    ctx, 502, null, "Logging in with the hub failed: " + ar.cause().getMessage());
                return;
              }
              HubLogin.Identity id = ar.result();
              String refusal = hub.refusal(id);
              if (refusal != null) {
                LOG.warn("console: refused hub login: {}", refusal);
                errorPage(ctx, 403, null, "Not allowed: " + refusal + ".");
                return;
              }
              LOG.info("console: hub user {} logged in (admin {})", id.name(), id.admin());
              startSession(ctx, id.name(), "hub", secure);
              // A page, not a redirect: the session cookie is SameSite=Strict, and a redirect chain
              // that began at the hub is cross-site, so the browser would not send it with /ui/.
              html(
                  ctx,
                  200,
                  "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                      + "<meta http-equiv=\"refresh\" content=\"0; url=/ui/\">"
                      + "<title>Logged in · hubpolicy</title></head><body>"
                      + "<p id=\"logged-in\">Logged in as "
                      + esc(id.name())
                      + ". <a href=\"/ui/\">Continue to the console</a>.</p></body></html>");
            });
  }

  private String callbackUrl(RoutingContext ctx) {
    String configured = hub.settings().callbackUrl();
    return configured != null && !configured.isBlank()
        ? configured
        : self(ctx) + "/ui/oauth/callback";
  }

  // ---- answers

  private static String cookie(RoutingContext ctx, String name) {
    Cookie c = ctx.request().getCookie(name);
    return c == null ? null : c.getValue();
  }

  private static void redirect(RoutingContext ctx, String to) {
    ctx.response().setStatusCode(303).putHeader("Location", to).end();
  }

  private static void html(RoutingContext ctx, int status, String html) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "text/html; charset=utf-8")
        .end(html);
  }

  private static void errorPage(RoutingContext ctx, int status, Html.Viewer v, String message) {
    String title = status == 401 ? "Log in" : status == 403 ? "Not allowed" : "Problem";
    String body =
        Html.box("error", "<span id=\"problem\">" + esc(message) + "</span>")
            + (v == null ? "<p><a href=\"/ui/login\">Log in</a></p>" : "");
    html(ctx, status, Html.page(title, null, v, body));
  }

  private static String origin(String url) {
    java.net.URI u = java.net.URI.create(url);
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  private static String resource(String name) {
    try (InputStream in = Console.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the console's " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For the log. */
  public String describe() {
    return "console at /ui/: token login" + (hub == null ? "" : ", " + hub.settings().url());
  }
}
