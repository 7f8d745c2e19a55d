package io.hubpolicy.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;

/**
 * An HTTP load generator for benchmarks: POSTs request bodies (cycled) to one URL over a fixed set
 * of keep-alive HTTP/1.1 connections.
 *
 * <p><b>Open loop</b> ({@link #openLoop}): request {@code i} is due at {@code start + i / rate},
 * whether or not earlier ones have been answered. A pacing thread (the caller's) hands due requests
 * to the generator's single event loop; a due request goes out on an idle connection, or waits in a
 * FIFO queue for the next one to free up. Each latency runs from the request's <em>intended</em>
 * send time to the end of its response, so time spent queued (in the server, on a busy connection,
 * or because this generator fell behind) is counted, not hidden: no coordinated omission. A request
 * due while {@code maxInFlight} requests are already outstanding (queued or on the wire) is not
 * sent and counts as dropped.
 *
 * <p><b>Closed loop</b> ({@link #closedLoop}, saturation): K requests outstanding at all times,
 * each connection sending its next as soon as the previous is answered; latency runs from the
 * actual send, so this measures throughput, not what a client at a given rate would see.
 *
 * <p>Everything that counts runs on one event loop thread, so the counters and histograms need no
 * locks. The generator's own lateness (intended time to the moment the event loop picks the request
 * up) is kept apart as {@link Result#sendLag}: large values mean the generator, not the server, was
 * short of CPU.
 */
public final class LoadGenerator implements AutoCloseable {
  /** {@link AnswerObserver} status of a request that failed before a response (reset, refused). */
  public static final int ERROR = -1;

  /** {@link AnswerObserver} status of a request without a response within the timeout. */
  public static final int TIMEOUT = -2;

  /** {@link AnswerObserver} status of a request not sent because the in-flight cap was reached. */
  public static final int DROPPED = -3;

  /** Highest latency the histograms hold, in microseconds (larger values are clamped). */
  static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  private static final byte[] REVISION = "\"revision\":\"".getBytes(StandardCharsets.US_ASCII);

  /**
   * Sees every request's outcome, on the generator's event loop thread: keep it cheap and do not
   * block. Times are {@link System#nanoTime()}.
   */
  public interface AnswerObserver {
    /**
     * @param intendedNanos when the request was due (open loop) or sent (closed loop)
     * @param receivedNanos when its response had fully arrived, or when it failed
     * @param status the HTTP status, or {@link #ERROR}, {@link #TIMEOUT}, {@link #DROPPED}
     * @param revision the body's first {@code "revision":"..."} value, or null
     */
    void answer(long intendedNanos, long receivedNanos, int status, String revision);
  }

  /** Where and what to send. */
  public record Target(URI url, String token, List<String> bodies) {
    public Target {
      if (bodies.isEmpty()) {
        throw new IllegalArgumentException("no request bodies");
      }
      bodies = List.copyOf(bodies);
    }
  }

  /**
   * How to send.
   *
   * @param connections keep-alive connections opened up front (one request on each at a time)
   * @param maxInFlight cap on requests queued or on the wire; beyond it, due requests are dropped
   * @param timeout a request without its response this long after it was written fails
   */
  public record Settings(int connections, int maxInFlight, Duration timeout) {
    public Settings {
      if (connections < 1 || maxInFlight < 1) {
        throw new IllegalArgumentException("connections and maxInFlight must be at least 1");
      }
    }
  }

  /**
   * One run's figures. Latencies are in microseconds; {@code answered} counts every response
   * (whatever its status) and {@code failed()} everything that did not end in a 200 or a 403.
   *
   * @param scheduled requests due during the run (open loop), or sent (closed loop)
   * @param sent requests written to a connection
   * @param unanswered requests still queued or on the wire when the run gave up waiting
   * @param elapsedNanos from the first due time to the last answer (at least the run's duration)
   */
  public record Result(
      String mode,
      double targetRate,
      int concurrency,
      long scheduled,
      long sent,
      long answered,
      long ok200,
      long denied403,
      long otherStatus,
      long errors,
      long timeouts,
      long dropped,
      long unanswered,
      long elapsedNanos,
      Histogram latency,
      Histogram sendLag) {

    /** Responses with status 200 or 403 (a decision either way) per second. */
    public double achievedRate() {
      return elapsedNanos == 0 ? 0 : (ok200 + denied403) * 1e9 / elapsedNanos;
    }

    public long failed() {
      return otherStatus + errors + timeouts + dropped + unanswered;
    }

    /** A latency percentile in milliseconds (NaN when nothing was answered). */
    public double latencyMs(double percentile) {
      return latency.getTotalCount() == 0
          ? Double.NaN
          : latency.getValueAtPercentile(percentile) / 1000.0;
    }

    public double maxMs() {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0;
    }

    /** What failed, e.g. "3 other status, 2 dropped (in-flight cap)", or "none". */
    public String failures() {
      List<String> parts = new ArrayList<>();
      add(parts, otherStatus, "other status");
      add(parts, errors, "errors");
      add(parts, timeouts, "timeouts");
      add(parts, dropped, "dropped (in-flight cap)");
      add(parts, unanswered, "unanswered at the end");
      return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static void add(List<String> parts, long n, String what) {
      if (n > 0) {
        parts.add(n + " " + what);
      }
    }

    /** One line for progress output. */
    public String summary() {
      return String.format(
          "%s: %d scheduled, %d sent, %d answered (%d × 200, %d × 403), %.0f/s; latency ms p50"
              + " %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; send lag p99 %.2f ms; failed: %s",
          mode,
          scheduled,
          sent,
          answered,
          ok200,
          denied403,
          achievedRate(),
          latencyMs(50),
          latencyMs(90),
          latencyMs(99),
          latencyMs(99.9),
          maxMs(),
          sendLag.getTotalCount() == 0 ? Double.NaN : sendLag.getValueAtPercentile(99) / 1000.0,
          failures());
    }
  }

  private final Target target;
  private final Settings settings;
  private final Vertx vertx;
  private final HttpClientAgent client;
  private final Context context;
  private final RequestOptions request;
  private final Buffer[] bodies;

  // ---- owned by the event loop thread ----
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private final List<Conn> all = new ArrayList<>();
  private final LongQueue waiting = new LongQueue();
  private int wanted;
  private int open;
  private int bodyCursor;
  private Run run;
  private boolean closed;

  /** One keep-alive connection and what is on it. */
  private static final class Conn {
    final HttpClientConnection http;
    boolean busy;
    boolean gone;

    Conn(HttpClientConnection http) {
      this.http = http;
    }
  }

  /** The counters of one run. */
  private static final class Run {
    final String mode;
    final double rate;
    final int concurrency;
    final long startNanos;

    /** When sending ends; set earlier when an open loop is stopped (event loop thread only). */
    long endNanos;

    final AnswerObserver observer;
    final Histogram latency = new Histogram(MAX_MICROS, 3);
    final Histogram sendLag = new Histogram(MAX_MICROS, 3);
    long scheduled;
    long sent;
    long answered;
    long ok200;
    long denied403;
    long other;
    long errors;
    long timeouts;
    long dropped;
    long inFlight;
    long lastAnswerNanos;
    boolean finished;

    Run(
        String mode,
        double rate,
        int concurrency,
        long startNanos,
        long endNanos,
        AnswerObserver observer) {
      this.mode = mode;
      this.rate = rate;
      this.concurrency = concurrency;
      this.startNanos = startNanos;
      this.endNanos = endNanos;
      this.observer = observer;
    }
  }

  /** Opens the connections; fails if the server cannot be reached. */
  public LoadGenerator(Target target, Settings settings)
      throws InterruptedException, ExecutionException, TimeoutException {
    this.target = target;
    this.settings = settings;
    // One event loop: all bookkeeping on one thread, and the other core left to the server.
    this.vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(1)
                .setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
    this.client =
        vertx
            .httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false))
            .build();
    this.context = vertx.getOrCreateContext();
    URI u = target.url();
    int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    String path = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    this.request =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(u.getHost())
            .setPort(port)
            .setURI(path)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + target.token());
    this.bodies =
        target.bodies().stream()
            .map(b -> Buffer.buffer(b.getBytes(StandardCharsets.UTF_8)))
            .toArray(Buffer[]::new);
    try {
      ensureConnections(settings.connections());
    } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Opens connections until there are {@code n}, and waits until they are up. */
  public void ensureConnections(int n)
      throws InterruptedException, ExecutionException, TimeoutException {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          wanted = Math.max(wanted, n);
          List<io.vertx.core.Future<HttpClientConnection>> all = new ArrayList<>();
          for (int i = open; i < wanted; i++) {
            all.add(connect());
          }
          io.vertx.core.Future.all(all)
              .onComplete(ar -> done.complete(null), ar -> done.completeExceptionally(ar));
        });
    done.get(30, TimeUnit.SECONDS);
  }

  private io.vertx.core.Future<HttpClientConnection> connect() {
    open++;
    return client
        .connect(
            new HttpConnectOptions()
                .setHost(request.getHost())
                .setPort(request.getPort())
                .setConnectTimeout(5_000))
        .onSuccess(
            c -> {
              Conn conn = new Conn(c);
              all.add(conn);
              c.closeHandler(v -> lost(conn));
              if (closed) {
                c.close();
              } else {
                release(conn);
              }
            })
        .onFailure(
            e -> {
              open--;
              if (!closed) {
                // Try again shortly; meanwhile queued requests wait for the other connections.
                vertx.setTimer(100, t -> reconnect());
              }
            });
  }

  private void reconnect() {
    if (!closed && open < wanted) {
      connect();
    }
  }

  private void lost(Conn conn) {
    if (conn.gone) {
      return;
    }
    conn.gone = true;
    open--;
    idle.remove(conn);
    all.remove(conn);
    reconnect();
  }

  /**
   * Sends {@code rate} requests per second for {@code duration} on a fixed schedule, then waits (at
   * most the timeout plus a second) for the outstanding ones. Blocks the calling thread, which
   * paces the schedule.
   */
  public Result openLoop(double rate, Duration duration, AnswerObserver observer)
      throws InterruptedException {
    return openLoop(rate, duration, observer, () -> false);
  }

  /**
   * As {@link #openLoop(double, Duration, AnswerObserver)}, ending early once {@code stop} says so
   * (checked between sends): for load that runs while something else happens, e.g. reloads.
   */
  public Result openLoop(
      double rate, Duration duration, AnswerObserver observer, BooleanSupplier stop)
      throws InterruptedException {
    if (rate <= 0) {
      throw new IllegalArgumentException("rate must be positive");
    }
    long total = Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
    double interval = 1e9 / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
    Run r = begin(new Run("open loop", rate, 0, start, start + duration.toNanos(), observer));
    long next = 0;
    while (next < total && !stop.getAsBoolean()) {
      long now = System.nanoTime();
      long due = Math.min(total, (long) Math.floor((now - start) / interval) + 1);
      if (now < start) {
        due = 0;
      }
      if (due > next) {
        long from = next;
        long to = due;
        context.runOnContext(
            v -> {
              for (long i = from; i < to; i++) {
                due(r, start + (long) (i * interval), false);
              }
            });
        next = due;
      } else {
        LockSupport.parkNanos(start + (long) (next * interval) - now);
      }
    }
    if (next < total) {
      long stoppedAt = System.nanoTime();
      await(
          () -> {
            r.endNanos = stoppedAt;
            return null;
          });
    }
    return finish(r);
  }

  /**
   * Keeps {@code concurrency} requests outstanding for {@code duration}, each sent as soon as the
   * previous one was answered; then waits for the last ones. Opens connections up to {@code
   * concurrency} if there are fewer; they stay open for later runs.
   */
  public Result closedLoop(int concurrency, Duration duration, AnswerObserver observer)
      throws InterruptedException, ExecutionException, TimeoutException {
    ensureConnections(concurrency);
    long start = System.nanoTime();
    Run r =
        begin(new Run("closed loop", 0, concurrency, start, start + duration.toNanos(), observer));
    context.runOnContext(
        v -> {
          for (int i = 0; i < concurrency; i++) {
            due(r, System.nanoTime(), true);
          }
        });
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(r.endNanos - System.nanoTime())));
    return finish(r);
  }

  private Run begin(Run r) throws InterruptedException {
    await(
        () -> {
          run = r;
          return null;
        });
    return r;
  }

  /** A request is due: send it, queue it for a connection, or drop it. */
  private void due(Run r, long intended, boolean closedLoop) {
    if (r.finished) {
      return;
    }
    r.scheduled++;
    long now = System.nanoTime();
    if (!closedLoop) {
      r.sendLag.recordValue(Math.min(MAX_MICROS, Math.max(0, (now - intended) / 1000)));
    }
    if (r.inFlight >= settings.maxInFlight()) {
      r.dropped++;
      if (r.observer != null) {
        r.observer.answer(intended, now, DROPPED, null);
      }
      return;
    }
    r.inFlight++;
    Conn c = idle.poll();
    if (c == null) {
      waiting.add(intended);
    } else {
      send(c, r, intended);
    }
  }

  private void send(Conn c, Run r, long intended) {
    c.busy = true;
    r.sent++;
    Buffer body = bodies[bodyCursor];
    bodyCursor = bodyCursor + 1 == bodies.length ? 0 : bodyCursor + 1;
    c.http
        .request(request)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failed(r, intended, ar.cause(), c);
                return;
              }
              HttpClientRequest req = ar.result();
              req.idleTimeout(settings.timeout().toMillis());
              req.send(body)
                  .onComplete(
                      rr -> {
                        if (rr.failed()) {
                          failed(r, intended, rr.cause(), c);
                          return;
                        }
                        HttpClientResponse resp = rr.result();
                        int status = resp.statusCode();
                        resp.body()
                            .onComplete(
                                br -> {
                                  if (br.failed()) {
                                    failed(r, intended, br.cause(), c);
                                  } else {
                                    answered(r, intended, status, br.result(), c);
                                  }
                                });
                      });
            });
  }

  private void answered(Run r, long intended, int status, Buffer body, Conn c) {
    long now = System.nanoTime();
    if (!r.finished) {
      r.inFlight--;
      r.answered++;
      r.lastAnswerNanos = now;
      r.latency.recordValue(Math.min(MAX_MICROS, Math.max(0, (now - intended) / 1000)));
      if (status == 200) {
        r.ok200++;
      } else if (status == 403) {
        r.denied403++;
      } else {
        r.other++;
      }
      if (r.observer != null) {
        r.observer.answer(intended, now, status, revision(body));
      }
    }
    release(c);
    next(r, now);
  }

  private void failed(Run r, long intended, Throwable e, Conn c) {
    long now = System.nanoTime();
    boolean timeout = e instanceof TimeoutException;
    if (!r.finished) {
      r.inFlight--;
      r.lastAnswerNanos = now;
      if (timeout) {
        r.timeouts++;
      } else {
        r.errors++;
        if (r.errors == 1) {
          System.err.println("load generator: first error: " + e);
        }
      }
      if (r.observer != null) {
        r.observer.answer(intended, now, timeout ? TIMEOUT : ERROR, null);
      }
    }
    // After a failure an HTTP/1.1 connection is in an unknown state: replace it.
    c.busy = false;
    lost(c);
    c.http.close();
    next(r, now);
  }

  /** In a closed loop, an answer (or failure) frees a slot for the next request. */
  private void next(Run r, long now) {
    if (r.concurrency > 0 && !r.finished && now < r.endNanos) {
      due(r, now, true);
    }
  }

  /** A connection is free: give it the oldest waiting request, or park it. */
  private void release(Conn c) {
    c.busy = false;
    if (c.gone) {
      return;
    }
    Run r = run;
    if (r != null && !r.finished && !waiting.isEmpty()) {
      send(c, r, waiting.poll());
    } else {
      idle.add(c);
    }
  }

  private Result finish(Run r) throws InterruptedException {
    long deadline =
        Math.max(System.nanoTime(), r.endNanos)
            + settings.timeout().toNanos()
            + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < deadline) {
      if (await(() -> r.inFlight == 0 && (r.concurrency == 0 || System.nanoTime() >= r.endNanos))) {
        break;
      }
      Thread.sleep(5);
    }
    return await(
        () -> {
          r.finished = true;
          waiting.clear();
          long elapsed = Math.max(r.endNanos, r.lastAnswerNanos) - r.startNanos;
          return new Result(
              r.mode,
              r.rate,
              r.concurrency,
              r.scheduled,
              r.sent,
              r.answered,
              r.ok200,
              r.denied403,
              r.other,
              r.errors,
              r.timeouts,
              r.dropped,
              r.inFlight,
              elapsed,
              r.latency.copy(),
              r.sendLag.copy());
        });
  }

  private <T> T await(java.util.function.Supplier<T> onLoop) throws InterruptedException {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          try {
            f.complete(onLoop.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("load generator event loop: " + e, e);
    }
  }

  /** The value of the first {@code "revision":"..."} in a body, or null; no JSON parsing. */
  static String revision(Buffer body) {
    int n = body.length();
    outer:
    for (int i = 0; i + REVISION.length <= n; i++) {
      for (int k = 0; k < REVISION.length; k++) {
        if (body.getByte(i + k) != REVISION[k]) {
          continue outer;
        }
      }
      int from = i + REVISION.length;
      for (int j = from; j < n; j++) {
        if (body.getByte(j) == '"') {
          return body.getString(from, j, "US-ASCII");
        }
      }
      return null;
    }
    return null;
  }

  @Override
  public void close() {
    try {
      await(
          () -> {
            closed = true;
            // Closed here rather than left to the client, whose shutdown waits for them.
            for (Conn c : List.copyOf(all)) {
              c.http.close();
            }
            return null;
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) {
      // closing anyway
    }
    try {
      // One after the other from this thread: Vert.x cannot close from its own event loop.
      client.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("load generator: Vert.x did not close within 10 s");
    }
  }

  /** A FIFO of longs without boxing. */
  static final class LongQueue {
    private long[] items = new long[1024];
    private int head;
    private int size;

    void add(long v) {
      if (size == items.length) {
        long[] bigger = new long[items.length * 2];
        for (int i = 0; i < size; i++) {
          bigger[i] = items[(head + i) % items.length];
        }
        items = bigger;
        head = 0;
      }
      items[(head + size) % items.length] = v;
      size++;
    }

    long poll() {
      long v = items[head];
      head = (head + 1) % items.length;
      size--;
      return v;
    }

    boolean isEmpty() {
      return size == 0;
    }

    void clear() {
      head = 0;
      size = 0;
    }
  }
}
