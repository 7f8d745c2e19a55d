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
}
