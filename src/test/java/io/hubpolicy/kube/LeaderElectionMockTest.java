package io.hubpolicy.kube;

import static io.hubpolicy.kube.MockKube.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three replicas, each with its own client, electing a leader on one Lease of fabric8's mock API
 * server: exactly one leads; a leader that dies without releasing (its client closed: no renewal,
 * no release) is replaced within the lease duration; one that leaves releases the lease.
 */
class LeaderElectionMockTest {
  static final Duration LEASE = Duration.ofSeconds(2);
  static final String NS = "hub";

  MockKube kube;
  final List<Replica> replicas = new ArrayList<>();

  /** One replica: its own client, its election, and how often it started and stopped leading. */
  static final class Replica implements LeaderElection.Listener {
    final KubernetesClient client;
    final LeaderElection election;
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();

    Replica(String url, String name) {
      client =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder()
                      .withMasterUrl(url)
                      .withNamespace(NS)
                      .withRequestRetryBackoffLimit(0)
                      .build())
              .build();
      election =
          new LeaderElection(
              client, new LeaderElection.Lease(NS, "hubpolicy-leader", LEASE), name, this);
    }

    @Override
    public void startedLeading() {
      starts.incrementAndGet();
    }

    @Override
    public void stoppedLeading() {
      stops.incrementAndGet();
    }
  }

  @BeforeEach
  void start() {
    kube = MockKube.start();
    for (String name : List.of("a", "b", "c")) {
      replicas.add(new Replica(kube.client.getMasterUrl().toString(), name));
    }
    replicas.forEach(r -> r.election.start());
  }

  @AfterEach
  void stop() {
    long t0 = System.nanoTime();
    for (Replica r : replicas) {
      r.election.close();
      r.client.close();
    }
    kube.close();
    System.out.println("closed in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
  }

  List<Replica> leaders() {
    return replicas.stream().filter(r -> r.election.leading()).toList();
  }

  String holder() {
    Lease l = kube.client.leases().inNamespace(NS).withName("hubpolicy-leader").get();
    return l == null ? null : l.getSpec().getHolderIdentity();
  }

  @Test
  void exactlyOneLeadsAndADeadLeaderIsReplacedWithinTheLeaseDuration() throws Exception {
    await("a leader", () -> leaders().size() == 1);
    // Several renewals later, still exactly one, and the Lease names it.
    for (int i = 0; i < 20; i++) {
      assertEquals(1, leaders().size(), "leaders at check " + i);
      Thread.sleep(100);
    }
    Replica first = leaders().get(0);
    assertEquals(first.election.identity(), holder());

    // Killed: its client stops working, so it neither renews nor releases.
    first.client.close();
    long killed = System.nanoTime();
    await(
        "another leader",
        Duration.ofSeconds(10),
        () -> replicas.stream().anyMatch(r -> r != first && r.election.leading()));
    Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
    String next = holder();
    assertNotEquals(first.election.identity(), next);
    // The lease must run out first; then the next try (a seventh of it, with jitter) takes it.
    assertTrue(
        takeover.compareTo(LEASE.plus(LEASE.dividedBy(2))) < 0,
        "taken over after " + takeover.toMillis() + " ms, lease " + LEASE.toMillis() + " ms");
    for (int i = 0; i < 10; i++) {
      assertEquals(
          1,
          replicas.stream().filter(r -> r != first && r.election.leading()).count(),
          "one leader among the living, check " + i);
      Thread.sleep(100);
    }
  }

  @Test
  void aLeaderThatLeavesReleasesTheLeaseAndAnotherTakesItAtOnce() throws Exception {
    await("a leader", () -> leaders().size() == 1);
    Replica first = leaders().get(0);
    long left = System.nanoTime();
    first.election.close();
    assertEquals(1, first.stops.get(), "told it stopped leading");
    await(
        "another leader",
        Duration.ofSeconds(10),
        () -> replicas.stream().anyMatch(r -> r != first && r.election.leading()));
    Duration takeover = Duration.ofNanos(System.nanoTime() - left);
    assertTrue(
        takeover.compareTo(LEASE) < 0,
        "released, so taken before the lease ran out: " + takeover.toMillis() + " ms");
    assertEquals(1, leaders().size());
  }
}
