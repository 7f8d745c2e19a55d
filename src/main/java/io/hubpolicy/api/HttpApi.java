package io.hubpolicy.api;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.catalog.Catalogs;
import io.hubpolicy.engine.NoRuleBaseException;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SpawnDeniedException;
import io.hubpolicy.preferences.PreferencesService;
import io.hubpolicy.services.ServiceLaunchException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP edge. Domain exceptions become status codes here and nowhere else; a response never
 * carries a stack trace.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";

  /** Where the API server sends AdmissionReviews (the MutatingWebhookConfiguration's path). */
  public static final String ADMISSION_PATH = "/v1/admission";

  /**
   * What the HTTP edge serves. Only {@code decisions} is required; the others add their endpoints
   * (preferences, images/sizes/options, reload status, metrics) when present.
   */
  public record Parts(
      DecisionService decisions,
      PreferencesService preferences,
      Catalogs catalogs,
      PolicyReloader reloader,
      PrometheusMeterRegistry meters,
      LaunchService launches) {
    public Parts(
        DecisionService decisions,
        PreferencesService preferences,
        Catalogs catalogs,
        PolicyReloader reloader,
        PrometheusMeterRegistry meters) {
      this(decisions, preferences, catalogs, reloader, meters, null);
    }
  }

  private final DecisionService decisions;
  private final AdmissionService admission;
  private final Parts parts;
  private BearerAuth auth;
  private Set<String> openPaths = Set.of();
  private TlsFiles tls;
  private Vertx vertx;
  private final AtomicInteger port = new AtomicInteger();

  public HttpApi(DecisionService decisions) {
    this(new Parts(decisions, null, null, null, null));
  }

  public HttpApi(Parts parts) {
    this.parts = parts;
    this.decisions = parts.decisions();
    this.admission = new AdmissionService(decisions);
  }

  /**
   * Requires {@code Authorization: Bearer <token>} on every {@code /v1} endpoint; health and
   * metrics stay open (probes and scrapers carry no token, and say nothing about users).
   */
  public HttpApi requireToken(BearerAuth auth) {
    return requireToken(auth, Set.of());
  }

  /**
   * The same, except for these exact {@code /v1} paths, which anyone who can reach the port may
   * call: for a caller that cannot present a token (the API server calling {@link #ADMISSION_PATH}
   * on a managed cluster).
   */
  public HttpApi requireToken(BearerAuth auth, Set<String> openPaths) {
    this.auth = auth;
    this.openPaths = Set.copyOf(openPaths);
    return this;
  }

  /** Serves HTTPS with this certificate instead of plain HTTP. */
  public HttpApi tls(TlsFiles tls) {
    this.tls = tls;
    return this;
  }

  public boolean secure() {
    return tls != null;
  }

  /** Starts one server per core on {@code host:port} (0 picks a free port); returns the port. */
  public int start(String host, int requestedPort) {
    vertx = Vertx.vertx();
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    // A negative port makes Vert.x bind one random port that every instance shares.
    int listenPort = requestedPort == 0 ? -1 : requestedPort;
    vertx
        .deployVerticle(
            () ->
                new VerticleBase() {
                  @Override
                  public Future<?> start() {
                    return listen(host, listenPort).onSuccess(s -> port.set(s.actualPort()));
                  }
                },
            new DeploymentOptions().setInstances(instances))
        .toCompletionStage()
        .toCompletableFuture()
        .join();
    return port.get();
  }

  private Future<HttpServer> listen(String host, int p) {
    HttpServerOptions options = new HttpServerOptions();
    if (tls != null) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(tls.certificate().toString())
                  .setKeyPath(tls.key().toString()));
    }
    return vertx.createHttpServer(options).requestHandler(router()).listen(p, host);
  }

  public int port() {
    return port.get();
  }

  public void stop() {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  Router router() {
    Router r = Router.router(vertx);
    r.get("/healthz")
        .handler(ctx -> ctx.response().putHeader("content-type", JSON).end("{\"status\":\"ok\"}"));
    r.get("/readyz").handler(this::ready);
    if (auth != null) {
      r.route("/v1/*").handler(this::authenticate);
    }
    if (parts.meters() != null) {
      r.get("/metrics")
          .handler(
              ctx ->
                  ctx.response()
                      .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                      .end(parts.meters().scrape()));
    }
    BodyHandler small = BodyHandler.create().setBodyLimit(256 * 1024);
    // Decision and launch bodies may carry a whole pod.
    BodyHandler large = BodyHandler.create().setBodyLimit(4 * 1024 * 1024);
    if (parts.preferences() != null) {
      r.get("/v1/users/:user/preferences")
          .handler(ctx -> blocking(ctx, () -> parts.preferences().get(ctx.pathParam("user"))));
      r.put("/v1/users/:user/preferences")
          .handler(small)
          .handler(
              ctx ->
                  blocking(
                      ctx,
                      () ->
                          parts
                              .preferences()
                              .put(
                                  ctx.pathParam("user"),
                                  ctx.queryParam("group"),
                                  ctx.body().asString())));
    }
    if (parts.catalogs() != null) {
      r.get("/v1/images").handler(ctx -> respond(ctx, () -> parts.catalogs().images(ruleBase())));
      r.get("/v1/sizes").handler(ctx -> respondArray(ctx));
      OptionsService options = new OptionsService(decisions, parts.catalogs(), parts.preferences());
      r.get("/v1/options")
          .handler(
              ctx ->
                  blocking(
                      ctx,
                      () ->
                          options.options(ctx.queryParams().get("user"), ctx.queryParam("group"))));
    }
    r.post("/v1/decisions").handler(large).handler(this::decide);
    // Decides on the event loop like decide(): admission never renders services, so nothing in
    // it waits on the API server (preferences come from memory, the audit line is queued).
    r.post(ADMISSION_PATH)
        .handler(large)
        .handler(ctx -> respond(ctx, () -> admission.review(ctx.body().asString())));
    // May read the audit file back: on a worker.
    r.get("/v1/decisions/:id")
        .handler(ctx -> blockingJson(ctx, () -> decisions.audited(ctx.pathParam("id"))));
    r.get("/v1/config").handler(this::config);
    if (parts.launches() != null) {
      r.post("/v1/launches").handler(large).handler(this::launch);
      r.delete("/v1/launches/:user")
          .handler(
              ctx ->
                  blocking(
                      ctx,
                      () ->
                          parts
                              .launches()
                              .stop(
                                  ctx.pathParam("user"),
                                  ctx.queryParams().get("server"),
                                  ctx.queryParams().get("event"))));
    }
    r.route()
        .last()
        .handler(
            ctx ->
                error(
                    ctx,
                    404,
                    null,
                    "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
    return r;
  }

  private void authenticate(RoutingContext ctx) {
    // The router matches the normalised path too, so the path let through here is the one that
    // is served; anything but an exact match (a trailing slash, say) is checked.
    if (openPaths.contains(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    BearerAuth.Verdict v = auth.check(ctx.request().getHeader("Authorization"));
    if (v == BearerAuth.Verdict.OK) {
      ctx.next();
      return;
    }
    // The header is never logged: a wrong token is often a right one for something else.
    LOG.warn(
        "refused {} {} from {}: {}",
        ctx.request().method(),
        ctx.request().path(),
        ctx.request().remoteAddress(),
        v.reason());
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"hubpolicy\"");
    error(ctx, 401, null, v.reason());
  }

  /** A decide or launch body and its {@code ?explain=}, parsed. */
  private record Call(DecideCall call, DecisionJson.Explain explain) {}

  /** The call, or null after answering the error. */
  private static Call parseCall(RoutingContext ctx) {
    try {
      return new Call(
          DecideCall.parse(ctx.body().asString()), explainLevel(ctx.queryParams().get("explain")));
    } catch (RuntimeException e) {
      fail(ctx, e);
      return null;
    }
  }

  private void decide(RoutingContext ctx) {
    Call parsed = parseCall(ctx);
    if (parsed == null) {
      return;
    }
    DecideCall call = parsed.call();
    DecisionJson.Explain explain = parsed.explain();
    if (explain == DecisionJson.Explain.FULL) {
      // The full explanation is O(profiles); keep it off the event loop.
      blocking(ctx, () -> decisions.decide(call, explain));
      return;
    }
    // Microseconds of CPU: cheaper on the event loop than a hand-off to a worker, unless
    // rendering the decision's services may first have to read a template from the cluster.
    Decision d;
    try {
      d = decisions.decide(call.request());
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    if (decisions.answerMayBlock(d)) {
      blocking(ctx, () -> decisions.answer(d, call, explain));
    } else {
      respond(ctx, () -> decisions.answer(d, call, explain));
    }
  }

  private void launch(RoutingContext ctx) {
    Call parsed = parseCall(ctx);
    if (parsed != null) {
      // Creates objects and may wait for their return values: never on the event loop.
      blocking(ctx, () -> parts.launches().launch(parsed.call(), parsed.explain()));
    }
  }

  private RuleBase ruleBase() {
    return decisions.engine().ruleBase();
  }

  private void ready(RoutingContext ctx) {
    RuleBase rb = decisions.engine().ruleBaseOrNull();
    if (rb == null) {
      error(ctx, 503, null, "no configuration has loaded yet");
      return;
    }
    ctx.response()
        .putHeader("content-type", JSON)
        .end("{\"status\":\"ready\",\"revision\":\"" + rb.revision() + "\"}");
  }

  private void respondArray(RoutingContext ctx) {
    try {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.set("sizes", parts.catalogs().sizes(ruleBase()));
      ctx.response().putHeader("content-type", JSON).end(DecisionJson.compact(o));
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  /** Work that may call the API server or take long: on a worker, never on the event loop. */
  private void blocking(RoutingContext ctx, java.util.function.Supplier<ObjectNode> body) {
    blockingJson(ctx, () -> DecisionJson.compact(body.get()));
  }

  /** The same, for an answer that already is JSON text. */
  private void blockingJson(RoutingContext ctx, java.util.function.Supplier<String> json) {
    ctx.vertx()
        .executeBlocking(json::get, false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                ctx.response().putHeader("content-type", JSON).end(ar.result());
              } else {
                fail(ctx, ar.cause());
              }
            });
  }

  private void respond(RoutingContext ctx, java.util.function.Supplier<ObjectNode> body) {
    try {
      ctx.response().putHeader("content-type", JSON).end(DecisionJson.compact(body.get()));
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  /** The one place where domain exceptions become HTTP status codes. */
  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof InvalidRequestException ire) {
      error(ctx, 400, ire.field(), ire.getMessage());
    } else if (e instanceof SpawnDeniedException denied) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("error", denied.getMessage());
      o.put("decisionId", denied.decisionId());
      denied.reasons().forEach(o.putArray("reasons")::add);
      ctx.response()
          .setStatusCode(403)
          .putHeader("content-type", JSON)
          .end(DecisionJson.compact(o));
    } else if (e instanceof LaunchService.NoClusterException nc) {
      error(ctx, 503, null, nc.getMessage());
    } else if (e instanceof ServiceLaunchException sle) {
      LOG.warn("launch failed: {}", sle.getMessage());
      int status =
          switch (sle.kind()) {
            case TEMPLATE -> 422;
            case CLUSTER -> 502;
            case TIMEOUT -> 504;
          };
      error(ctx, status, null, sle.getMessage());
    } else if (e instanceof AuditLog.NotFoundException nf) {
      error(ctx, 404, null, nf.getMessage());
    } else if (e instanceof AuditLog.OffException off) {
      // Like a launch without a cluster: this server was started without what it takes.
      error(ctx, 503, null, off.getMessage());
    } else if (e instanceof NoRuleBaseException nr) {
      error(ctx, 503, null, nr.getMessage());
    } else if (e instanceof KubernetesClientException ke) {
      LOG.warn("Kubernetes API call failed: {}", ke.getMessage());
      error(ctx, 503, null, "the Kubernetes API is not available: " + ke.getMessage());
    } else if (e instanceof PolicyException pe) {
      LOG.warn("decision failed: {}", pe.getMessage());
      error(ctx, 500, null, pe.getMessage());
    } else {
      LOG.error("unexpected error deciding", e);
      error(ctx, 500, null, "internal error; see the hubpolicy log");
    }
  }

  private void config(RoutingContext ctx) {
    try {
      ctx.response().putHeader("content-type", JSON).end(DecisionJson.compact(configJson()));
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  ObjectNode configJson() {
    RuleBase rb = decisions.engine().ruleBase();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("revision", rb.revision());
    o.put("builtAt", rb.builtAt().toString());
    o.put("profiles", rb.config().profiles().size());
    o.putPOJO("sizes", rb.sizes().keySet());
    o.putPOJO("profileSources", rb.config().sources());
    o.putPOJO("ruleSources", rb.ruleSources());
    if (parts.reloader() != null) {
      PolicyReloader.Status st = parts.reloader().status();
      ArrayNode from = o.putArray("loadedFrom");
      st.from()
          .forEach(v -> from.addObject().put("source", v.source()).put("version", v.version()));
      o.put("appliedAt", st.appliedAt() == null ? null : st.appliedAt().toString());
      o.putPOJO("notes", st.notes());
      ObjectNode counts = o.putObject("reloads");
      counts.put("applied", st.applied());
      counts.put("rejected", st.rejected());
      PolicyReloader.Rejected rej = st.lastRejected();
      if (rej == null) {
        o.putNull("lastRejected");
      } else {
        ObjectNode r = o.putObject("lastRejected");
        r.put("at", rej.at().toString());
        r.put("revision", rej.revision());
        ArrayNode rf = r.putArray("from");
        rej.from()
            .forEach(v -> rf.addObject().put("source", v.source()).put("version", v.version()));
        ArrayNode problems = r.putArray("problems");
        for (Problem p : rej.problems()) {
          problems
              .addObject()
              .put("source", p.source())
              .put("line", p.line())
              .put("field", p.field())
              .put("message", p.message())
              .put("text", p.toString());
        }
      }
    }
    return o;
  }

  public static DecisionJson.Explain explainLevel(String value) {
    if (value == null || value.isEmpty()) {
      return DecisionJson.Explain.FULL;
    }
    try {
      return DecisionJson.Explain.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "explain", "explain must be full, fields or none; got '" + value + "'");
    }
  }

  private static void error(RoutingContext ctx, int status, String field, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("error", message);
    if (field != null) {
      o.put("field", field);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", JSON)
        .end(DecisionJson.compact(o));
  }
}
