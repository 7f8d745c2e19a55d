package io.hubpolicy.catalog;

import java.util.List;

/** What is known of the cluster's nodes, from memory: a watch keeps it current. */
public interface NodeSource {
  /** An immutable snapshot, in name order; empty until {@link #synced()}. */
  List<NodeCapacity> nodes();

  /** Whether the first list of nodes has arrived. */
  boolean synced();

  /** Whether there is a cluster to know nodes of at all. */
  boolean hasCluster();

  /** File mode: no cluster, never synced, so every size's verdict is UNKNOWN. */
  NodeSource NONE =
      new NodeSource() {
        @Override
        public List<NodeCapacity> nodes() {
          return List.of();
        }

        @Override
        public boolean synced() {
          return false;
        }

        @Override
        public boolean hasCluster() {
          return false;
        }
      };
}
