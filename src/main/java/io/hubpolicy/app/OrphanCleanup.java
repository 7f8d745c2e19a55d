package io.hubpolicy.app;

import io.hubpolicy.kube.LeaderElection;
import io.hubpolicy.services.OrphanReconciler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work only the leader does: a clean-up pass every interval while this replica holds the lease,
 * stopped (a running pass interrupted) as soon as it does not. Its metrics say which replica leads
 * and what the passes removed.
 */
final class OrphanCleanup implements LeaderElection.Listener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanCleanup.class);

  private final OrphanReconciler reconciler;
  private final Duration interval;
  private final ScheduledExecutorService timer;
  private final AtomicInteger leader = new AtomicInteger();
  private final Counter objects;
  private final Counter anchors;
  private final Counter passes;
  private final Counter failed;
  private ScheduledFuture<?> task;

  OrphanCleanup(OrphanReconciler reconciler, Duration interval, MeterRegistry meters) {
    this.reconciler = reconciler;
    this.interval = interval;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "orphan-cleanup");
              t.setDaemon(true);
              return t;
            });
    Gauge.builder("hubpolicy.leader", leader, AtomicInteger::get)
        .description("1 while this replica holds the leader Lease and runs the clean-up")
        .register(meters);
    objects =
        Counter.builder("hubpolicy.orphans.cleaned")
            .description("Side-service objects deleted because their user server was gone")
            .register(meters);
    anchors =
        Counter.builder("hubpolicy.orphan.anchors.deleted")
            .description("Anchor ConfigMaps deleted by the clean-up, nothing being left under them")
            .register(meters);
    passes =
        Counter.builder("hubpolicy.orphan.passes")
            .tag("result", "ok")
            .description("Clean-up passes")
            .register(meters);
    failed =
        Counter.builder("hubpolicy.orphan.passes")
            .tag("result", "failed")
            .description("Clean-up passes")
            .register(meters);
  }

  @Override
  public synchronized void startedLeading() {
    leader.set(1);
    if (task == null) {
      task =
          timer.scheduleWithFixedDelay(this::pass, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public synchronized void stoppedLeading() {
    leader.set(0);
    if (task != null) {
      task.cancel(true);
      task = null;
    }
  }

  private void pass() {
    try {
      OrphanReconciler.Pass p = reconciler.reconcile();
      objects.increment(p.ended().size());
      anchors.increment(p.anchorsDeleted().size());
      passes.increment();
      LOG.debug(
          "clean-up pass: {} anchors, {} notebook pods; ended {}, anchors deleted {}, waiting {}",
          p.anchors(),
          p.pods(),
          p.ended(),
          p.anchorsDeleted(),
          p.waiting());
    } catch (RuntimeException e) {
      // The next pass tries again; nothing was deleted on a guess.
      failed.increment();
      LOG.warn("clean-up pass failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    stoppedLeading();
    timer.shutdownNow();
  }
}
