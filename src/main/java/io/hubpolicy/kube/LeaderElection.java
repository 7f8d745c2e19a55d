package io.hubpolicy.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's part in electing a leader on a {@code coordination.k8s.io} Lease, with fabric8's
 * {@link LeaderElector}. A replica that loses the lease (it could not renew in time) stops leading
 * and joins the election again: unlike an operator, hubpolicy has nothing to restart, its other
 * work never depended on leading. {@link #close} releases a held lease, so that another replica
 * takes over at its next try instead of after the lease runs out.
 *
 * <p>Timing as client-go's defaults scale: the leader gives up when it could not renew for two
 * thirds of the lease, so it has stopped before anyone else may take the lease; candidates try
 * about seven times per lease duration.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

  /** Told when this replica starts and stops leading; called from the election's thread. */
  public interface Listener {
    void startedLeading();

    void stoppedLeading();
  }

  /** Where the lease is and how long it lasts. */
  public record Lease(String namespace, String name, Duration duration) {}

  private final KubernetesClient client;
  private final Lease lease;
  private final String identity;
  private final Listener listener;
  private final AtomicBoolean leading = new AtomicBoolean();
  private volatile boolean closed;
  private CompletableFuture<?> running;

  public LeaderElection(KubernetesClient client, Lease lease, String identity, Listener listener) {
    this.client = client;
    this.lease = lease;
    this.identity = identity;
    this.listener = listener;
  }

  public String identity() {
    return identity;
  }

  public boolean leading() {
    return leading.get();
  }

  /** Joins the election; returns at once. */
  public synchronized LeaderElection start() {
    if (closed) {
      return this;
    }
    Duration d = lease.duration();
    LeaderElector elector =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName(lease.name())
                    .withLock(new LeaseLock(lease.namespace(), lease.name(), identity))
                    .withLeaseDuration(d)
                    .withRenewDeadline(d.multipliedBy(2).dividedBy(3))
                    .withRetryPeriod(d.dividedBy(7))
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                    .build())
            .build();
    CompletableFuture<?> f = elector.start();
    running = f;
    f.whenComplete(
        (v, e) -> {
          stopped();
          if (!closed) {
            LOG.warn(
                "leader election on Lease {}/{} ended ({}); joining it again",
                lease.namespace(),
                lease.name(),
                e == null ? "lease lost" : e.toString());
            start();
          }
        });
    return this;
  }

  private void started() {
    if (leading.compareAndSet(false, true)) {
      LOG.info(
          "{} leads (Lease {}/{}, {} s)",
          identity,
          lease.namespace(),
          lease.name(),
          lease.duration().toSeconds());
      listener.startedLeading();
    }
  }

  private void stopped() {
    if (leading.compareAndSet(true, false)) {
      LOG.info("{} no longer leads (Lease {}/{})", identity, lease.namespace(), lease.name());
      listener.stoppedLeading();
    }
  }

  private void newLeader(String who) {
    LOG.info("leader on Lease {}/{}: {}", lease.namespace(), lease.name(), who);
  }

  /** Leaves the election; a held lease is released before this returns. */
  @Override
  public void close() {
    CompletableFuture<?> f;
    synchronized (this) {
      closed = true;
      f = running;
    }
    if (f != null) {
      // Cancelling runs the elector's stop, which releases the lease it holds, in this thread.
      f.cancel(true);
    }
    stopped();
  }
}
