package io.hubpolicy.engine.facts;

/** The GPU count a user saved; rules may lower the granted count to it, never raise it. */
public final class GpuChoice {
  private final int count;

  public GpuChoice(int count) {
    this.count = count;
  }

  public int getCount() {
    return count;
  }
}
