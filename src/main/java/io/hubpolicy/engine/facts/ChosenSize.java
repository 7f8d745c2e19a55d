package io.hubpolicy.engine.facts;

import io.hubpolicy.model.Size;

/** The size the user chose; only present when one was chosen. */
public final class ChosenSize {
  private final Size size;

  public ChosenSize(Size size) {
    this.size = size;
  }

  public String getName() {
    return size.name();
  }

  public Size getSize() {
    return size;
  }

  /** Whether the spawning user may choose this size (its users and groups). */
  public boolean offeredTo(Spawn s) {
    return size.audience().includes(s.getUser(), s.getGroups());
  }

  /** Why the spawning user may not choose it, for the denial. */
  public String refusalFor(Spawn s) {
    return "the size '"
        + size.name()
        + "' is not offered to "
        + s.getUser()
        + " (it is for "
        + size.audience().describe()
        + ")";
  }
}
