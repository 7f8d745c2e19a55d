package io.hubpolicy.api;

import io.hubpolicy.auth.Authenticator;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.format.RequestFields;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
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

  /** The longest request line (method, path, query) read; a longer one is a 414. */
  static final int MAX_REQUEST_LINE = 4096;

  /** The most bytes of headers read; more is a 431. */
  static final int MAX_HEADERS = 8192;

  /**
   * The body of a decision, a launch or an AdmissionReview, which may carry a whole pod: 4 MiB is
   * above the 3 MiB the API server allows a request body (etcd's default limit of 1.5 MiB per
   * object, with room for the review around it).
   */
  static final int DECISION_BODY = 4 * 1024 * 1024;

  /** A preferences body: an image, a size, a GPU count and the user's variables. */
  static final int PREFERENCES_BODY = 256 * 1024;

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
  private final Pages pages;
  private Vertx vertx;
  private final AtomicInteger port = new AtomicInteger();
  private volatile boolean draining;
  private final AtomicInteger inFlight = new AtomicInteger();

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
    this(calls, meters, auth, openPaths, tls, Pages.NONE);
  }

  /**
   * @param pages routes served beside the API on the same server (the console under {@code /ui/},
   *     which lives in a layer above this one and brings its own authentication)
   */
  public HttpApi(
      PolicyCalls calls,
      PrometheusMeterRegistry meters,
      Authenticator auth,
      Set<String> openPaths,
      TlsFiles tls,
      Pages pages) {
    this.calls = calls;
    this.meters = meters;
    this.auth = auth;
    this.openPaths = Set.copyOf(openPaths);
    this.tls = tls;
    this.pages = pages;
  }

  /** Routes beyond the API, mounted on the router before its error handlers. */
  @FunctionalInterface
  public interface Pages {
    Pages NONE = (router, secure) -> {};

    /**
     * @param secure whether the server speaks HTTPS (cookies are then marked Secure)
     */
    void mount(Router router, boolean secure);
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
    HttpServerOptions options =
        new HttpServerOptions()
            .setMaxInitialLineLength(MAX_REQUEST_LINE)
            .setMaxHeaderSize(MAX_HEADERS)
            .setDecompressionSupported(false);
    if (tls != null) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(tls.certificate().toString())
                  .setKeyPath(tls.key().toString()));
    }
    return vertx
        .createHttpServer(options)
        .invalidRequestHandler(HttpErrors::invalidRequest)
        .requestHandler(router())
        .listen(p, host);
  }

  public int port() {
    return port.get();
  }

  public void stop() {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  /**
   * The start of a graceful stop: {@code /readyz} answers 503 from now on, so the Service routes
   * new connections elsewhere, and each answer closes its connection, so that clients holding one
   * open come back through the Service too. Requests are still answered.
   */
  public void drain() {
    draining = true;
  }

  /**
   * Waits up to {@code timeout} for the requests in flight to be answered, then closes the port and
   * every connection. Vert.x's own graceful shutdown was not used: with one server per core on a
   * shared port, it kept accepting connections while shutting down and closed them unanswered,
   * which a client sees as a lost request rather than a refused connection it can send elsewhere.
   * By now the Service has long stopped sending new connections here (the drain delay), so the port
   * closes the moment nothing is in flight.
   */
  public void shutdown(java.time.Duration timeout) {
    if (vertx == null) {
      return;
    }
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn(
          "{} HTTP requests still in flight after {} s; closing them",
          inFlight.get(),
          timeout.toMillis() / 1000.0);
    }
    stop();
  }

  Router router() {
    Router r = Router.router(vertx);
    List<Route> routes = new ArrayList<>();
    r.route().handler(HttpErrors::assignId);
    r.route()
        .handler(
            ctx -> {
              inFlight.incrementAndGet();
              ctx.addEndHandler(v -> inFlight.decrementAndGet());
              if (draining && ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) {
                ctx.response().putHeader("Connection", "close");
              }
              ctx.next();
            });
    route(r, routes, HttpMethod.GET, "/healthz")
        .handler(ctx -> ctx.response().putHeader("content-type", JSON).end("{\"status\":\"ok\"}"));
    route(r, routes, HttpMethod.GET, "/readyz").handler(this::ready);
    r.route("/v1/*").handler(this::authenticate);
    // Rendered on a worker: a scrape walks every meter (the JVM's included) and took tens of
    // milliseconds when cold, which the decisions queued on this event loop waited out (the reload
    // benchmark's slowest second was its first scrape, BENCHMARKS.md §3).
    route(r, routes, HttpMethod.GET, "/metrics")
        .handler(
            ctx ->
                ctx.vertx()
                    .executeBlocking(meters::scrape, false)
                    .onComplete(
                        ar -> {
                          if (ar.succeeded()) {
                            ctx.response()
                                .putHeader(
                                    "content-type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(ar.result());
                          } else {
                            fail(ctx, ar.cause());
                          }
                        }));
    route(r, routes, HttpMethod.GET, "/v1/users/:user/preferences")
        .handler(
            ctx -> serve(ctx, () -> calls.preferences(user(ctx, "/v1/users/", "/preferences"))));
    route(r, routes, HttpMethod.PUT, "/v1/users/:user/preferences")
        .handler(HttpBodies.reader(PREFERENCES_BODY, "PUT /v1/users/{user}/preferences"))
        .handler(
            ctx ->
                serve(
                    ctx,
                    () -> {
                      Map<String, List<String>> q = HttpFields.query(ctx);
                      return calls.savePreferences(
                          user(ctx, "/v1/users/", "/preferences"),
                          RequestFields.groups(HttpFields.all(q, "group"), "group"),
                          HttpBodies.text(ctx));
                    }));
    route(r, routes, HttpMethod.GET, "/v1/images").handler(ctx -> serve(ctx, calls::images));
    route(r, routes, HttpMethod.GET, "/v1/sizes").handler(ctx -> serve(ctx, calls::sizes));
    route(r, routes, HttpMethod.GET, "/v1/options")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () -> {
                      Map<String, List<String>> q = HttpFields.query(ctx);
                      return calls.options(
                          RequestFields.user(HttpFields.first(q, "user"), "user"),
                          RequestFields.groups(HttpFields.all(q, "group"), "group"));
                    }));
    route(r, routes, HttpMethod.POST, "/v1/decisions")
        .handler(HttpBodies.reader(DECISION_BODY, "POST /v1/decisions"))
        .handler(
            ctx ->
                send(
                    ctx,
                    () -> calls.decide(call(ctx), explain(ctx)),
                    a -> Buffer.buffer(a.utf8())));
    route(r, routes, HttpMethod.POST, "/v1/previews")
        .handler(HttpBodies.reader(PREFERENCES_BODY, "POST /v1/previews"))
        .handler(ctx -> serve(ctx, () -> calls.preview(call(ctx))));
    route(r, routes, HttpMethod.POST, ADMISSION_PATH)
        .handler(HttpBodies.reader(DECISION_BODY, "POST " + ADMISSION_PATH))
        .handler(ctx -> serve(ctx, () -> calls.admission(HttpBodies.text(ctx))));
    route(r, routes, HttpMethod.GET, "/v1/decisions")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () -> {
                      Map<String, List<String>> q = HttpFields.query(ctx);
                      DecisionQuery.checkNames(q);
                      return calls.history(DecisionQuery.parse(name -> HttpFields.first(q, name)));
                    },
                    DecisionPage::json));
    route(r, routes, HttpMethod.GET, "/v1/decisions/:id")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () ->
                        calls.lookup(
                            RequestFields.decisionId(
                                HttpFields.segment(ctx, "/v1/decisions/", "", "decision_id"),
                                "decision_id")),
                    Function.identity()));
    route(r, routes, HttpMethod.GET, "/v1/config").handler(ctx -> serve(ctx, calls::config));
    route(r, routes, HttpMethod.POST, "/v1/launches")
        .handler(HttpBodies.reader(DECISION_BODY, "POST /v1/launches"))
        .handler(ctx -> serve(ctx, () -> calls.launch(call(ctx), explain(ctx))));
    route(r, routes, HttpMethod.DELETE, "/v1/launches/:user")
        .handler(
            ctx ->
                serve(
                    ctx,
                    () -> {
                      Map<String, List<String>> q = HttpFields.query(ctx);
                      return calls.stop(
                          user(ctx, "/v1/launches/", ""),
                          HttpFields.first(q, "server"),
                          HttpFields.first(q, "event"));
                    }));
    pages.mount(r, tls != null);
    r.route().failureHandler(HttpErrors::routingFailure);
    r.errorHandler(405, ctx -> wrongMethod(ctx, routes));
    for (int status : new int[] {400, 404, 413, 415, 500}) {
      r.errorHandler(status, ctx -> HttpErrors.routingFailure(ctx, status));
    }
    return r;
  }

  /** A route the API offers: its method and path, for the {@code Allow} header of a 405. */
  private record Route(HttpMethod method, Pattern path) {}

  private static io.vertx.ext.web.Route route(
      Router r, List<Route> routes, HttpMethod method, String path) {
    routes.add(new Route(method, Pattern.compile(path.replaceAll(":[a-z]+", "[^/]+"))));
    return r.route(method, path);
  }

  private static void wrongMethod(RoutingContext ctx, List<Route> routes) {
    String path = ctx.normalizedPath();
    Set<String> allowed = new TreeSet<>();
    routes.stream()
        .filter(route -> route.path().matcher(path).matches())
        .forEach(route -> allowed.add(route.method().name()));
    String allow = String.join(", ", allowed);
    ctx.response().putHeader("Allow", allow);
    HttpErrors.answer(
        ctx,
        405,
        null,
        RequestFields.quote(path)
            + " does not take "
            + ctx.request().method()
            + "; it takes "
            + allow,
        null);
  }

  /** The user named by the path between {@code prefix} and {@code suffix}. */
  private static String user(RoutingContext ctx, String prefix, String suffix) {
    return RequestFields.user(HttpFields.segment(ctx, prefix, suffix, "user"), "user");
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
        "request {}: refused {} {} from {}: {}",
        HttpErrors.id(ctx),
        ctx.request().method(),
        RequestFields.printable(ctx.request().path(), 200),
        ctx.request().remoteAddress(),
        v.reason());
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"hubpolicy\"");
    HttpErrors.send(ctx.response(), 401, null, v.reason());
  }

  private static DecideCall call(RoutingContext ctx) {
    return DecideCall.parse(HttpBodies.text(ctx));
  }

  private static DecisionJson.Explain explain(RoutingContext ctx) {
    Map<String, List<String>> q = HttpFields.query(ctx);
    return DecisionJson.Explain.parse(
        RequestFields.word(HttpFields.first(q, "explain"), "explain"),
        RequestFields.word(HttpFields.first(q, "offset"), "offset"),
        RequestFields.word(HttpFields.first(q, "limit"), "limit"));
  }

  private void ready(RoutingContext ctx) {
    if (draining) {
      HttpErrors.send(ctx.response(), 503, null, "shutting down");
      return;
    }
    String revision = calls.readyRevision();
    if (revision == null) {
      HttpErrors.send(ctx.response(), 503, null, "no configuration has loaded yet");
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
    send(ctx, call, t -> Buffer.buffer(toJson.apply(t)));
  }

  /** The same, for an answer already in bytes (a decision's: {@link AnswerJson}). */
  private <T> void send(RoutingContext ctx, Supplier<Reply<T>> call, Function<T, Buffer> toJson) {
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
    Failure f = Failure.of(e, HttpErrors.id(ctx));
    int status = STATUS.get(f.kind());
    if (f.kind() != Failure.Kind.DENIED) {
      HttpErrors.answer(ctx, status, f.field(), f.message(), e.getCause());
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
}
