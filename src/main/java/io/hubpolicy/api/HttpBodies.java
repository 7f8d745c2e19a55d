package io.hubpolicy.api;

import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Reads a request body in memory, never to disk: at most a cap of bytes, whatever the content type,
 * decoded as UTF-8 strictly, for the handlers to parse as JSON. No form decoding and no uploads: a
 * multipart body is a 415, and so is a body with a {@code Content-Encoding} other than identity. A
 * body over the cap is a 413 that names the cap, before a byte of it is read when the request says
 * its length.
 */
final class HttpBodies {
  private static final String BODY = "hubpolicy.body";

  private HttpBodies() {}

  /**
   * @param cap the most bytes this route reads
   * @param what the route, as the 413 names it ({@code POST /v1/decisions})
   */
  static Handler<RoutingContext> reader(int cap, String what) {
    return ctx -> read(ctx, cap, what);
  }

  /** The body the reader read, as text; empty when there was none. */
  static String text(RoutingContext ctx) {
    String body = ctx.get(BODY);
    return body == null ? "" : body;
  }

  private static void read(RoutingContext ctx, int cap, String what) {
    HttpServerRequest request = ctx.request();
    String type = request.getHeader("Content-Type");
    if (type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/")) {
      refuse(ctx, 415, "request bodies are JSON; a multipart body (a form upload) is not accepted");
      return;
    }
    String encoding = request.getHeader("Content-Encoding");
    if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
      refuse(
          ctx,
          415,
          "request bodies are plain JSON; Content-Encoding "
              + RequestFields.quote(encoding)
              + " is not accepted");
      return;
    }
    long length = contentLength(request);
    if (length > cap) {
      tooLarge(ctx, cap, what);
      return;
    }
    String expect = request.getHeader("Expect");
    if (expect != null) {
      if (!expect.strip().equalsIgnoreCase("100-continue")) {
        refuse(ctx, 417, "only 'Expect: 100-continue' is understood");
        return;
      }
      if (request.version() != HttpVersion.HTTP_1_0) {
        ctx.response().writeContinue();
      }
    }
    if (request.isEnded()) {
      ctx.next();
      return;
    }
    Reading reading = new Reading(ctx, cap, what, length);
    request.handler(reading).endHandler(v -> reading.end()).exceptionHandler(reading::failed);
    request.resume();
  }

  private static final class Reading implements Handler<Buffer> {
    private final RoutingContext ctx;
    private final int cap;
    private final String what;
    private final Buffer body;
    private boolean over;

    Reading(RoutingContext ctx, int cap, String what, long length) {
      this.ctx = ctx;
      this.cap = cap;
      this.what = what;
      this.body = Buffer.buffer((int) Math.min(Math.max(length, 256), 64 * 1024));
    }

    @Override
    public void handle(Buffer chunk) {
      if (over) {
        return;
      }
      if ((long) body.length() + chunk.length() > cap) {
        over = true;
        tooLarge(ctx, cap, what);
        return;
      }
      body.appendBuffer(chunk);
    }

    void end() {
      if (over || ctx.response().ended()) {
        return;
      }
      String text;
      try {
        text = JsonBodies.utf8(body.getBytes());
      } catch (InvalidRequestException e) {
        HttpErrors.answer(ctx, 400, e.field(), e.getMessage(), null);
        return;
      }
      ctx.put(BODY, text);
      ctx.next();
    }

    void failed(Throwable t) {
      over = true;
      HttpErrors.answer(ctx, 400, "body", "the request body could not be read", t);
    }
  }

  private static void tooLarge(RoutingContext ctx, int cap, String what) {
    refuse(ctx, 413, "the request body is larger than " + size(cap) + ", the limit of " + what);
  }

  /**
   * Answers without reading the rest of the body, and so ends the connection (HTTP/1; an HTTP/2
   * stream ends by itself).
   */
  private static void refuse(RoutingContext ctx, int status, String message) {
    HttpServerRequest request = ctx.request();
    boolean http1 = request.version() != HttpVersion.HTTP_2;
    if (http1 && !ctx.response().headWritten()) {
      ctx.response().putHeader("Connection", "close");
    }
    HttpErrors.answer(ctx, status, "body", message, null);
    if (http1 && !ctx.response().closed()) {
      request.connection().close();
    }
  }

  static String size(int bytes) {
    return bytes % (1024 * 1024) == 0
        ? bytes / (1024 * 1024) + " MiB"
        : bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
  }

  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader("Content-Length");
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
