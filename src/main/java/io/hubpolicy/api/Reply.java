package io.hubpolicy.api;

import java.util.function.Supplier;

/**
 * What a use case will answer, and whether producing it may wait on the cluster or the disk. An
 * edge runs a reply that cannot block where it is (an event loop: a hand-off costs more than the
 * microseconds of a decision) and one that may block on a worker, so the rule lives here once
 * instead of in each edge.
 */
public final class Reply<T> {
  private final Supplier<T> work;
  private final boolean mayBlock;

  private Reply(Supplier<T> work, boolean mayBlock) {
    this.work = work;
    this.mayBlock = mayBlock;
  }

  /** Work that never waits: safe on an event loop. */
  public static <T> Reply<T> now(Supplier<T> work) {
    return new Reply<>(work, false);
  }

  /** Work that may wait on the API server or the disk, or runs long. */
  public static <T> Reply<T> blocking(Supplier<T> work) {
    return new Reply<>(work, true);
  }

  public boolean mayBlock() {
    return mayBlock;
  }

  /** Produces the answer on the calling thread; throws what the use case throws. */
  public T get() {
    return work.get();
  }
}
