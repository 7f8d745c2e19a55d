package io.hubpolicy.api;

import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP edge. Domain exceptions become status codes here and nowhere else; a response never
 * carries a stack trace.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";

  private final DecisionService decisions;
  private Vertx vertx;
  private final AtomicInteger port = new AtomicInteger();

  public HttpApi(DecisionService decisions) {
    this.decisions = decisions;
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
    return vertx.createHttpServer().requestHandler(router()).listen(p, host);
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
    r.get("/readyz")
        .handler(
            ctx -> ctx.response().putHeader("content-type", JSON).end("{\"status\":\"ready\"}"));
    r.post("/v1/decisions")
        .handler(BodyHandler.create().setBodyLimit(4 * 1024 * 1024))
        .handler(this::decide);
    r.get("/v1/config").handler(this::config);
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

  private void decide(RoutingContext ctx) {
    DecisionJson.Explain explain;
    DecideCall call;
    try {
      explain = explainLevel(ctx.queryParams().get("explain"));
      call = DecideCall.parse(ctx.body().asString());
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    if (explain != DecisionJson.Explain.FULL) {
      // Microseconds of CPU: cheaper on the event loop than a hand-off to a worker.
      respond(ctx, () -> decisions.decide(call, explain));
      return;
    }
    // The full explanation is O(profiles); keep it off the event loop.
    ctx.vertx()
        .executeBlocking(() -> DecisionJson.compact(decisions.decide(call, explain)), false)
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
    } else if (e instanceof PolicyException pe) {
      LOG.warn("decision failed: {}", pe.getMessage());
      error(ctx, 500, null, pe.getMessage());
    } else {
      LOG.error("unexpected error deciding", e);
      error(ctx, 500, null, "internal error; see the hubpolicy log");
    }
  }

  private void config(RoutingContext ctx) {
    RuleBase rb = decisions.engine().ruleBase();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("revision", rb.revision());
    o.put("builtAt", rb.builtAt().toString());
    o.put("profiles", rb.config().profiles().size());
    o.putPOJO("sizes", rb.sizes().keySet());
    o.putPOJO("profileSources", rb.config().sources());
    o.putPOJO("ruleSources", rb.ruleSources());
    ctx.response().putHeader("content-type", JSON).end(DecisionJson.compact(o));
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
