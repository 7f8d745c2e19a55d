package io.hubpolicy.api;

import io.hubpolicy.format.RequestFields;
import io.hubpolicy.format.Words;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * How the HTTP edge answers what went wrong: always JSON {@code {"error", "field"?}} in words, for
 * every status (the use cases' failures, and also what Vert.x or Netty would otherwise answer in
 * plain text or not at all: a request line or headers too long, a malformed request, a wrong
 * method, a handler that threw). Each request has an id, in the {@code X-Request-Id} response
 * header and in the log line of its error, which keeps the detail the answer leaves out.
 */
final class HttpErrors {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  static final String JSON = "application/json";
  static final String REQUEST_ID_HEADER = "X-Request-Id";
  private static final String REQUEST_ID = "hubpolicy.requestId";

  private HttpErrors() {}

  /** Gives the request its id (first handler of every route). */
  static void assignId(RoutingContext ctx) {
    String id = newId();
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader(REQUEST_ID_HEADER, id);
    ctx.next();
  }

  static String id(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    if (id == null) {
      id = newId();
      ctx.put(REQUEST_ID, id);
      if (!ctx.response().headWritten()) {
        ctx.response().putHeader(REQUEST_ID_HEADER, id);
      }
    }
    return id;
  }

  private static String newId() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  /**
   * Answers {@code status} with {@code {"error": message, "field": field}} and logs it with the
   * request id and {@code detail} (a library's own words, which the answer never carries).
   */
  static void answer(
      RoutingContext ctx, int status, String field, String message, Throwable detail) {
    log(id(ctx), ctx.request(), status, message, detail);
    send(ctx.response(), status, field, message);
  }

  static void send(HttpServerResponse response, int status, String field, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("error", message);
    if (field != null) {
      o.put("field", field);
    }
    if (response.headWritten()) {
      response.end();
      return;
    }
    response.setStatusCode(status).putHeader("content-type", JSON).end(DecisionJson.compact(o));
  }

  private static void log(
      String id, HttpServerRequest request, int status, String message, Throwable detail) {
    String cause = detail == null ? "" : detail(detail);
    String line = "request {} {} {}: {} {}{}";
    Object[] args = {
      id,
      request.method(),
      RequestFields.printable(request.uri(), 200),
      status,
      RequestFields.printable(message, 500),
      cause.isEmpty() ? "" : " (" + cause + ")"
    };
    if (status >= 500) {
      LOG.warn(line, args);
    } else {
      LOG.info(line, args);
    }
  }

  /** A library's message, first line and escaped, for the log only. */
  private static String detail(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + ": "
        + RequestFields.printable(Words.firstLine(root.getMessage()), 500);
  }

  /**
   * Answers a request Netty could not decode (request line or headers too long, malformed), which
   * never reaches the router: in JSON like every other error, then closes the connection, as the
   * rest of the request cannot be trusted.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message =
          "the request line (method, path and query) is longer than "
              + HttpApi.MAX_REQUEST_LINE
              + " bytes";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "the request headers are larger than " + HttpApi.MAX_HEADERS + " bytes";
    } else {
      status = 400;
      message = "the request is not valid HTTP";
    }
    String id = newId();
    LOG.info("request {}: {} {} ({})", id, status, message, cause == null ? "" : detail(cause));
    HttpServerResponse response = request.response();
    if (!response.headWritten()) {
      response.putHeader(REQUEST_ID_HEADER, id);
      if (request.version() != HttpVersion.HTTP_2) {
        response.putHeader("Connection", "close");
      }
    }
    send(response, status, null, message);
    request.connection().close();
  }

  /** The router's last word on a failure nothing else answered: a thrown exception. */
  static void routingFailure(RoutingContext ctx) {
    routingFailure(ctx, ctx.statusCode());
  }

  /**
   * The router's answer for {@code status} (its error handlers: no route, a path it cannot decode,
   * a request without a Host): Vert.x does not always keep the failure in the context.
   */
  static void routingFailure(RoutingContext ctx, int status) {
    Throwable t = ctx.failure();
    if (t != null && status < 400) {
      Failure f = Failure.of(t, id(ctx));
      answer(ctx, HttpApi.STATUS.get(f.kind()), f.field(), f.message(), t);
      return;
    }
    if (status < 400) {
      status = 500;
    }
    answer(ctx, status, null, statusWords(status, ctx), t);
  }

  private static String statusWords(int status, RoutingContext ctx) {
    return switch (status) {
      case 400 ->
          ctx.failure() instanceof io.vertx.core.VertxException v && v.getMessage() != null
              ? "the request is not valid: " + Words.of(v)
              : "the request's path cannot be decoded (is a '%' not followed by two hex digits?)";
      case 404 ->
          "no such endpoint: "
              + ctx.request().method()
              + " "
              + RequestFields.quote(ctx.request().path());
      case 413 -> "the request body is too large";
      case 415 -> "the request body must be JSON";
      default -> "internal error; see the hubpolicy log (request " + id(ctx) + ")";
    };
  }
}
