package io.hubpolicy.app;

import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.grpc.GrpcApi;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code serve} does when told to stop (SIGTERM): the order in which a replica leaves a
 * Service without failing a request. Readiness fails first, so the endpoints controller takes the
 * pod out; the leader lease is released, so another replica takes over the clean-up at its next
 * try; requests keep being answered for the drain delay, for clients the Service sent here before
 * it noticed (each answer now closes its connection, so clients that hold one come back through the
 * Service); then the listeners close, and the requests in flight get what is left of the grace
 * period to finish.
 */
final class GracefulStop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

  private final ServeSettings.Drain drain;
  private final HttpApi http;
  private final GrpcApi grpc;
  private final Leader leader;
  private final Wiring.Closer closer;

  /**
   * @param grpc null without gRPC
   */
  GracefulStop(
      ServeSettings.Drain drain, HttpApi http, GrpcApi grpc, Leader leader, Wiring.Closer closer) {
    this.drain = drain;
    this.http = http;
    this.grpc = grpc;
    this.leader = leader;
    this.closer = closer;
  }

  @Override
  public void run() {
    long t0 = System.nanoTime();
    http.drain();
    LOG.info(
        "stopping: /readyz answers 503; answering for {} s more, then finishing what is in"
            + " flight; exit within {} s",
        drain.delay().toMillis() / 1000.0,
        drain.grace().toMillis() / 1000.0);
    try {
      leader.close();
    } catch (RuntimeException e) {
      LOG.warn("could not release the leader lease (it runs out by itself): {}", e.toString());
    }
    sleep(drain.delay().toMillis() - elapsedMillis(t0));
    // What is left of the grace, less a margin for closing the rest.
    Duration left = Duration.ofMillis(Math.max(0, drain.grace().toMillis() - elapsedMillis(t0)));
    Duration inFlight = left.multipliedBy(9).dividedBy(10);
    CompletableFuture<Void> rpc =
        grpc == null
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(() -> grpc.shutdown(inFlight));
    http.shutdown(inFlight);
    rpc.join();
    closer.closeAll();
    LOG.info("stopped after {} s", elapsedMillis(t0) / 1000.0);
  }

  private static long elapsedMillis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
