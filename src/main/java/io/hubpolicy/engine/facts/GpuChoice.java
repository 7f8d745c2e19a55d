package io.hubpolicy.engine.facts;

/**
 * The GPU count a user asked for: chosen on the spawn form for this spawn, or saved earlier. Rules
 * may lower the granted count to it, never raise it; a count chosen on the form above the grant is
 * refused (a saved one is not: the grant may have been lowered since it was saved).
 */
public final class GpuChoice {
  private final int count;
  private final boolean chosen;

  public GpuChoice(int count, boolean chosen) {
    this.count = count;
    this.chosen = chosen;
  }

  public GpuChoice(int count) {
    this(count, false);
  }

  public int getCount() {
    return count;
  }

  /** True when chosen on the form for this spawn, false when it is a saved preference. */
  public boolean isChosen() {
    return chosen;
  }
}
