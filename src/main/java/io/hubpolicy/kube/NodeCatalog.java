package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.hubpolicy.catalog.NodeCapacity;
import io.hubpolicy.catalog.NodeSource;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's nodes as capacities, kept current by a watch so that answering a request never
 * lists Nodes (the old system re-read them on every call). Readers get an immutable snapshot from a
 * volatile field; the watch replaces it whenever a node's capacity or schedulability changes.
 */
public final class NodeCatalog implements NodeSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCatalog.class);

  private final KubernetesClient client;
  private SharedIndexInformer<Node> informer;
  // Keyed by name in name order, so a snapshot is a sorted copy.
  private final SortedMap<String, NodeCapacity> byName = new TreeMap<>();
  private volatile List<NodeCapacity> snapshot = List.of();
  private volatile boolean synced;
  private volatile boolean closed;
  private final AtomicInteger failures = new AtomicInteger();

  /** Watches Nodes through {@code client} once {@link #start()} is called. */
  public NodeCatalog(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client; use NodeSource.NONE without a cluster");
  }

  @Override
  public boolean hasCluster() {
    return true;
  }

  /**
   * Starts the watch and returns at once. An unreachable or forbidding API server is retried with
   * the informer's backoff instead of failing startup: the service still decides spawns without
   * node data, and sizes say UNKNOWN until the first list succeeds.
   */
  public synchronized NodeCatalog start() {
    if (informer != null) {
      return this;
    }
    informer = client.nodes().runnableInformer(0);
    informer.exceptionHandler(
        (started, t) -> {
          int n = failures.incrementAndGet();
          // The first failure says what is wrong; during an outage, only every so often.
          if (n == 1 || n % 20 == 0) {
            LOG.warn(
                "Node watch failed ({}, {} time(s)); retrying: {}",
                started ? "was running" : "not yet synced",
                n,
                t.toString());
          }
          return true;
        });
    informer.addEventHandler(new Handler());
    informer
        .start()
        .whenComplete(
            (ignored, t) -> {
              if (t != null) {
                if (!closed) {
                  LOG.warn("Node watch stopped: {}", t.toString());
                }
                return;
              }
              // Events reach the handler after the store is filled, some possibly still queued
              // now; the store is complete, so the first snapshot comes from it. Queued events
              // replayed afterwards end in the same state, since the store is their result.
              seedFromStore();
              LOG.info("Node watch synced: {} nodes", snapshot.size());
            });
    return this;
  }

  /** True once the first full list of Nodes has been seen. */
  @Override
  public boolean synced() {
    return synced;
  }

  /** True once the watch after the first list is open: later changes will arrive. */
  boolean watching() {
    SharedIndexInformer<Node> running = informer;
    return running != null && running.isWatching();
  }

  /** How often listing or watching Nodes has failed since start; each failure is retried. */
  public int failures() {
    return failures.get();
  }

  /** The current nodes sorted by name; before {@link #synced()} this may be partial or empty. */
  @Override
  public List<NodeCapacity> nodes() {
    return snapshot;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
  }

  private synchronized void seedFromStore() {
    byName.clear();
    for (Node node : informer.getStore().list()) {
      NodeCapacity c = NodeCapacity.of(node);
      if (c.name() != null) {
        byName.put(c.name(), c);
      }
    }
    synced = true;
    publish();
  }

  private synchronized void put(Node node) {
    NodeCapacity c = NodeCapacity.of(node);
    if (c.name() == null) {
      return;
    }
    if (!c.equals(byName.put(c.name(), c))) {
      publish();
    }
  }

  private synchronized void remove(Node node) {
    String name = NodeCapacity.of(node).name();
    if (name != null && byName.remove(name) != null) {
      publish();
    }
  }

  // Before the sync the initial list arrives one add at a time; publishing then would copy the
  // list once per node, so the snapshot is first built when the sync completes.
  private void publish() {
    if (synced) {
      snapshot = List.copyOf(byName.values());
    }
  }

  /**
   * The informer delivers events in order on one thread. Only a change to what a node offers
   * republishes: kubelets rewrite status every few minutes with nothing this catalog uses changed.
   */
  private final class Handler implements ResourceEventHandler<Node> {
    @Override
    public void onAdd(Node node) {
      put(node);
    }

    @Override
    public void onUpdate(Node before, Node after) {
      put(after);
    }

    @Override
    public void onDelete(Node node, boolean finalStateUnknown) {
      remove(node);
    }
  }
}
