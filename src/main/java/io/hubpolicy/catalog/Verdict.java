package io.hubpolicy.catalog;

/**
 * Whether a size can run on the cluster as it is now. {@code fittingNode} names one node it fits on
 * when {@link Status#SCHEDULABLE}, and is null otherwise.
 */
public record Verdict(Status status, String reason, String fittingNode) {
  public enum Status {
    /** Fits on at least one schedulable node after headroom. */
    SCHEDULABLE,
    /** Fits on no schedulable node after headroom. */
    UNSCHEDULABLE,
    /** The size itself cannot be judged: no cpu or memory, or a quantity that does not parse. */
    INCOMPLETE,
    /** Nothing is known about the nodes: no cluster, or the node watch has not synced. */
    UNKNOWN
  }

  static Verdict schedulable(String node, String reason) {
    return new Verdict(Status.SCHEDULABLE, reason, node);
  }

  static Verdict unschedulable(String reason) {
    return new Verdict(Status.UNSCHEDULABLE, reason, null);
  }

  static Verdict incomplete(String reason) {
    return new Verdict(Status.INCOMPLETE, reason, null);
  }

  static Verdict unknown(String reason) {
    return new Verdict(Status.UNKNOWN, reason, null);
  }
}
