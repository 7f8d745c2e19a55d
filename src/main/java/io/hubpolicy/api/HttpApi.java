package io.hubpolicy.api;

import io.hubpolicy.auth.Authenticator;
import io.hubpolicy.auth.BearerAuth;
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
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP edge: routes, authentication, bodies and status codes; every use case is a call on
 * {@link PolicyCalls}. Failures are classified by {@link Failure} and become statuses in {@link
 * #STATUS}, here and nowhere else; a response never carries a stack trace.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";

  /** Where the API server sends AdmissionReviews (the MutatingWebhookConfiguration's path). */
  public static final String ADMISSION_PATH = "/v1/admission";

  /** Each failure kind's HTTP status; gRPC has its own table in {@code GrpcErrors}. */
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

  private final PolicyCalls calls;
  private final PrometheusMeterRegistry meters;
  private final Authenticator auth;
  private final Set<String> openPaths;
  private final TlsFiles tls;
  private Vertx vertx;
  private final AtomicInteger port = new AtomicInteger();

  /**
   * @param auth the bearer check every {@code /v1} endpoint goes through, except {@code openPaths}
   *     (exact paths anyone who can reach the port may call: the API server calling {@link
   *     #ADMISSION_PATH} on a managed cluster, which cannot present a token); health and metrics
   *     stay open (probes and scrapers carry no token, and say nothing about users)
   * @param tls null for plain HTTP
   */
  public HttpApi(
      PolicyCalls calls,
      PrometheusMeterRegistry meters,
      Authenticator auth,
      Set<String> openPaths,
      TlsFiles tls) {
    this.calls = calls;
    this.meters = meters;
    this.auth = auth;
    this.openPaths = Set.copyOf(openPaths);
    this.tls = tls;
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
    try {
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
    } catch (java.util.concurrent.CompletionException e) {
      vertx.close();
      throw new ListenException(host, requestedPort, e.getCause() == null ? e : e.getCause());
    }
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
    r.route("/v1/*").handler(this::authenticate);
    r.get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(meters.scrape()));
    BodyHandler small = BodyHandler.create().setBodyLimit(256 * 1024);
    // Decision and launch bodies may carry a whole pod.
    BodyHandler large = BodyHandler.create().setBodyLimit(4 * 1024 * 1024);
    r.get("/v1/users/:user/preferences")
        .handler(ctx -> serve(ctx, () -> calls.preferences(ctx.pathParam("user"))));
    r.put("/v1/users/:user/preferences")
        .handler(small)
        .handler(
            ctx ->
                serve(
                    ctx,
                    () ->
                        calls.savePreferences(
                            ctx.pathParam("user"),
                            ctx.queryParam("group"),
                            ctx.body().asString())));
    r.get("/v1/images").handler(ctx -> serve(ctx, calls::images));
    r.get("/v1/sizes").handler(ctx -> serve(ctx, calls::sizes));
    r.get("/v1/options")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () -> calls.options(ctx.queryParams().get("user"), ctx.queryParam("group"))));
    r.post("/v1/decisions")
        .handler(large)
        .handler(ctx -> serve(ctx, () -> calls.decide(call(ctx), explain(ctx))));
    r.post(ADMISSION_PATH)
        .handler(large)
        .handler(ctx -> serve(ctx, () -> calls.admission(ctx.body().asString())));
    r.get("/v1/decisions/:id")
        .handler(ctx -> serve(ctx, () -> calls.lookup(ctx.pathParam("id")), Function.identity()));
    r.get("/v1/config").handler(ctx -> serve(ctx, calls::config));
    r.post("/v1/launches")
        .handler(large)
        .handler(ctx -> serve(ctx, () -> calls.launch(call(ctx), explain(ctx))));
    r.delete("/v1/launches/:user")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () ->
                        calls.stop(
                            ctx.pathParam("user"),
                            ctx.queryParams().get("server"),
                            ctx.queryParams().get("event"))));
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

  private static DecideCall call(RoutingContext ctx) {
    return DecideCall.parse(ctx.body().asString());
  }

  private static DecisionJson.Explain explain(RoutingContext ctx) {
    return DecisionJson.Explain.parse(
        ctx.queryParams().get("explain"),
        ctx.queryParams().get("offset"),
        ctx.queryParams().get("limit"));
  }

  private void ready(RoutingContext ctx) {
    String revision = calls.readyRevision();
    if (revision == null) {
      error(ctx, 503, null, "no configuration has loaded yet");
      return;
    }
    ctx.response()
        .putHeader("content-type", JSON)
        .end("{\"status\":\"ready\",\"revision\":\"" + revision + "\"}");
  }

  private void serve(RoutingContext ctx, Supplier<Reply<ObjectNode>> call) {
    serve(ctx, call, DecisionJson::compact);
  }

  /**
   * Runs a use case: a reply that cannot block here on the event loop, one that may on a worker; a
   * failure, thrown while calling or while producing the answer, becomes its status.
   */
  private <T> void serve(RoutingContext ctx, Supplier<Reply<T>> call, Function<T, String> toJson) {
    Reply<T> reply;
    try {
      reply = call.get();
      if (!reply.mayBlock()) {
        ctx.response().putHeader("content-type", JSON).end(toJson.apply(reply.get()));
        return;
      }
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    ctx.vertx()
        .executeBlocking(() -> toJson.apply(reply.get()), false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                ctx.response().putHeader("content-type", JSON).end(ar.result());
              } else {
                fail(ctx, ar.cause());
              }
            });
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    Failure f = Failure.of(e);
    int status = STATUS.get(f.kind());
    if (f.kind() != Failure.Kind.DENIED) {
      error(ctx, status, f.field(), f.message());
      return;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("error", f.message());
    o.put("decisionId", f.decisionId());
    f.reasons().forEach(o.putArray("reasons")::add);
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", JSON)
        .end(DecisionJson.compact(o));
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
