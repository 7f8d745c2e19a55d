package io.hubpolicy.app;

import io.hubpolicy.kube.LeaderElection;

/**
 * This replica's part in the leader election, or {@link #NONE} where there is none (file mode,
 * {@code --no-leader-election}): then no replica runs the clean-up.
 */
interface Leader extends AutoCloseable {
  /** Whether this replica leads now. */
  boolean leading();

  /** Leaves the election, releasing a held lease. */
  @Override
  void close();

  Leader NONE =
      new Leader() {
        @Override
        public boolean leading() {
          return false;
        }

        @Override
        public void close() {}
      };

  static Leader of(LeaderElection election) {
    return new Leader() {
      @Override
      public boolean leading() {
        return election.leading();
      }

      @Override
      public void close() {
        election.close();
      }
    };
  }
}
