package io.hubpolicy.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A value computed on a daemon thread of its own, for work that can go on beside the caller's
 * (reading the rules beside the profiles, the first configuration beside the servers' set-up).
 * {@link #join} gives the value, or throws what computing it threw, as it was thrown: a
 * configuration's problems stay an {@code InvalidConfigException}, an error stays an error.
 */
public final class Background<T> {
  private final FutureTask<T> task;

  private Background(FutureTask<T> task) {
    this.task = task;
  }

  /** Starts {@code work} on a new daemon thread named {@code threadName}. */
  public static <T> Background<T> start(String threadName, Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread t = new Thread(task, threadName);
    t.setDaemon(true);
    t.start();
    return new Background<>(task);
  }

  /** Waits for the value; rethrows what the work threw. */
  public T join() {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + task, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
