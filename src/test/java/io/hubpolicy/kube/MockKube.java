package io.hubpolicy.kube;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Vertx;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * fabric8's mock API server in CRUD mode, on loopback, with a client for it. Started by hand
 * (rather than by the JUnit extension) so a test can pick the port, e.g. to start the server after
 * hubpolicy has begun retrying.
 */
public final class MockKube implements AutoCloseable {
  /**
   * The user agent of {@link #client}, the test's own: requests with it set up or inspect the scene
   * and are not the code's calls ({@link ApiCalls}).
   */
  public static final String FIXTURE_AGENT = "hubpolicy-test-fixture";

  /**
   * Receives every request that is not the fixture's, on every MockKube: set by {@link ApiCalls}
   * while it derives which API calls the code makes; null otherwise.
   */
  static volatile Consumer<RecordedRequest> recorder;

  public final KubernetesMockServer server;

  /** The test's client (user agent {@link #FIXTURE_AGENT}). */
  public final KubernetesClient client;

  /** Closes of the server that timed out (see {@link #close(AutoCloseable...)}), for tests. */
  static final AtomicInteger CLOSES_TIMED_OUT = new AtomicInteger();

  private final MockWebServer web;
  private final int port;
  private KubernetesClient codeClient;

  private MockKube(int port, boolean now) {
    web = new MockWebServer();
    server =
        new KubernetesMockServer(
            new Context(),
            web,
            new HashMap<>(),
            new KubernetesCrudDispatcher() {
              @Override
              public MockResponse dispatch(RecordedRequest request) {
                Consumer<RecordedRequest> r = recorder;
                if (r != null && !FIXTURE_AGENT.equals(request.getHeader("User-Agent"))) {
                  r.accept(request);
                }
                return super.dispatch(request);
              }
            },
            false);
    if (now) {
      server.init(InetAddress.getLoopbackAddress(), port);
      this.port = server.getPort();
    } else {
      this.port = port;
    }
    client = newClient(FIXTURE_AGENT);
  }

  private KubernetesClient newClient(String userAgent) {
    ConfigBuilder config =
        new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + this.port)
            .withNamespace("test")
            .withRequestRetryBackoffLimit(0);
    if (userAgent != null) {
      config.withUserAgent(userAgent);
    }
    return new KubernetesClientBuilder().withConfig(config.build()).build();
  }

  /**
   * A client for the code under test, with fabric8's own user agent, as production's: its requests
   * count as the code's calls ({@link ApiCalls}).
   */
  public synchronized KubernetesClient codeClient() {
    if (codeClient == null) {
      codeClient = newClient(null);
    }
    return codeClient;
  }

  public static MockKube start() {
    return new MockKube(0, true);
  }

  /** A client for {@code port}, where nothing listens until {@link #startNow}. */
  static MockKube startOnLater(int port) {
    return new MockKube(port, false);
  }

  void startNow() {
    server.init(InetAddress.getLoopbackAddress(), port);
  }

  /** Closes the clients (not the server). */
  public synchronized void closeClients() {
    if (codeClient != null) {
      codeClient.close();
    }
    client.close();
  }

  public int requestCount() {
    return server.getRequestCount();
  }

  @Override
  public void close() {
    close(new AutoCloseable[0]);
  }

  /**
   * Closes the server, then {@code watchers} (whatever holds watches on it), then the clients. In
   * this order a watch ends with its connection: when a client closes a watch while the mock is
   * sending it an event, the mock's {@code WatchEventsListener.onClosed} waits on the connection's
   * event loop for its sender, which needs that loop, for up to a minute; the server's close then
   * times out after 10 s ("Unable to close MockWebServer", as PreferencesMockTest's teardown once
   * did in CI). {@code MockKubeMockTest} shows the order holds.
   */
  public void close(AutoCloseable... watchers) {
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      if (!(e.getCause() instanceof TimeoutException)) {
        throw e;
      }
      // A watch closed by the test before this (see above) holds an event loop. The port is
      // closed already; Vert.x finishes closing once the loop is free, so it is not waited for.
      CLOSES_TIMED_OUT.incrementAndGet();
      System.err.println("MockKube: " + e.getMessage() + "; a watch was closed before the server");
      vertx().close();
    } finally {
      for (AutoCloseable w : watchers) {
        try {
          w.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + w, e);
        }
      }
      closeClients();
    }
  }

  private Vertx vertx() {
    try {
      Field f = MockWebServer.class.getDeclaredField("vertx");
      f.setAccessible(true);
      return (Vertx) f.get(web);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the mock server's Vert.x", e);
    }
  }

  /** Polls until the condition holds; fails the test after {@code timeout}. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  public static void await(String what, BooleanSupplier condition) {
    await(what, Duration.ofSeconds(15), condition);
  }
}
