package io.hubpolicy.api.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.LaunchService;
import io.hubpolicy.api.OptionsService;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.auth.BearerAuth;
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

  private final DecisionService decisions;
  private final LaunchService launches;
  private final OptionsService options;
  private BearerAuth auth;
  private TlsFiles tls;
  private Server server;
  private ExecutorService calls;
  private ExecutorService blocking;

  /**
   * @param launches null for a server without Launch and Stop (UNIMPLEMENTED)
   * @param options null for a server without Options (UNIMPLEMENTED)
   */
  public GrpcApi(DecisionService decisions, LaunchService launches, OptionsService options) {
    this.decisions = decisions;
    this.launches = launches;
    this.options = options;
  }

  /** Requires {@code authorization: Bearer <token>} metadata on every call. */
  public GrpcApi requireToken(BearerAuth auth) {
    this.auth = auth;
    return this;
  }

  /** Serves gRPC over TLS with this certificate instead of plaintext. */
  public GrpcApi tls(TlsFiles tls) {
    this.tls = tls;
    return this;
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
    calls =
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
    PolicyService service = new PolicyService(decisions, launches, options, blocking);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
            .executor(calls)
            .maxInboundMessageSize(MAX_MESSAGE)
            .addService(
                auth == null
                    ? ServerInterceptors.intercept(service)
                    : ServerInterceptors.intercept(service, new BearerInterceptor(auth)));
    try {
      server = builder.build().start();
    } catch (IOException e) {
      stopPools();
      throw new UncheckedIOException(
          "cannot serve gRPC on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    return server.getPort();
  }

  public int port() {
    return server == null ? -1 : server.getPort();
  }

  /** Refuses new calls, lets running ones finish (a launch may take a while), then stops. */
  public void stop() {
    if (server == null) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("gRPC calls still running after 30 s; cancelling them");
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    stopPools();
  }

  private void stopPools() {
    calls.shutdownNow();
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
