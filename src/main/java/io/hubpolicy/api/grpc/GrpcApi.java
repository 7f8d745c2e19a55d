package io.hubpolicy.api.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.hubpolicy.api.ListenException;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.auth.Authenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC edge ({@code hubpolicy.v1.Policy}, see {@code src/main/proto}): the same services as the
 * HTTP edge, the same bearer tokens and the same certificate.
 */
public final class GrpcApi {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcApi.class);

  /** As many as Vert.x's worker pool, which runs the same blocking work for HTTP. */
  static final int BLOCKING_THREADS = 20;

  /** Calls waiting for a blocking thread beyond this are refused with RESOURCE_EXHAUSTED. */
  static final int BLOCKING_QUEUE = 1000;

  /** As HTTP's limit for a decision or launch body: either may carry a whole pod. */
  static final int MAX_MESSAGE = 4 * 1024 * 1024;

  private final PolicyCalls calls;
  private final Authenticator auth;
  private final TlsFiles tls;
  private Server server;
  private ExecutorService callPool;
  private ExecutorService blocking;

  /**
   * @param auth the bearer check every call goes through
   * @param tls null for plaintext
   */
  public GrpcApi(PolicyCalls calls, Authenticator auth, TlsFiles tls) {
    this.calls = calls;
    this.auth = auth;
    this.tls = tls;
  }

  public boolean secure() {
    return tls != null;
  }

  /** Starts on {@code host:port} (0 picks a free port); returns the port. */
  public int start(String host, int port) {
    ServerCredentials credentials;
    try {
      credentials =
          tls == null
              ? InsecureServerCredentials.create()
              : TlsServerCredentials.create(tls.certificate().toFile(), tls.key().toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
    }
    // gRPC's default executor is an unbounded cached pool; these bound the threads. Calls that
    // may wait on the API server or the disk move on to the blocking pool, so that a burst of
    // slow launches cannot hold up decisions.
    callPool =
        Executors.newFixedThreadPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), threads("grpc-call"));
    blocking =
        new ThreadPoolExecutor(
            BLOCKING_THREADS,
            BLOCKING_THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(BLOCKING_QUEUE),
            threads("grpc-blocking"));
    PolicyService service = new PolicyService(calls, blocking);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
            .executor(callPool)
            .maxInboundMessageSize(MAX_MESSAGE)
            // Messages parsed as they are delivered, so that one that cannot be parsed is the
            // caller's INVALID_ARGUMENT; the token is checked first.
            .addService(
                ServerInterceptors.intercept(
                    ServerInterceptors.useInputStreamMessages(service.bindService()),
                    new MalformedRequests(),
                    new BearerInterceptor(auth)));
    try {
      server = builder.build().start();
    } catch (IOException e) {
      stopPools();
      throw new ListenException(host, port, e);
    }
    return server.getPort();
  }

  public int port() {
    return server == null ? -1 : server.getPort();
  }

  /** Refuses new calls, lets running ones finish (a launch may take a while), then stops. */
  public void stop() {
    shutdown(java.time.Duration.ofSeconds(30));
  }

  /** As {@link #stop}, cancelling the calls still running after {@code timeout}. */
  public void shutdown(java.time.Duration timeout) {
    if (server == null) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("gRPC calls still running after {} s; cancelling them", timeout.toSeconds());
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    stopPools();
  }

  private void stopPools() {
    callPool.shutdownNow();
    blocking.shutdownNow();
  }

  private static java.util.concurrent.ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
