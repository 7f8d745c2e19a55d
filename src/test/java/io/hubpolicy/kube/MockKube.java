package io.hubpolicy.kube;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.function.BooleanSupplier;

/**
 * fabric8's mock API server in CRUD mode, on loopback, with a client for it. Started by hand
 * (rather than by the JUnit extension) so a test can pick the port, e.g. to start the server after
 * hubpolicy has begun retrying.
 */
public final class MockKube implements AutoCloseable {
  public final KubernetesMockServer server;
  public final KubernetesClient client;

  private final int port;

  private MockKube(int port, boolean now) {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    if (now) {
      server.init(InetAddress.getLoopbackAddress(), port);
      this.port = server.getPort();
    } else {
      this.port = port;
    }
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + this.port)
                    .withNamespace("test")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
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

  public int requestCount() {
    return server.getRequestCount();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
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
