package io.hubpolicy.engine.facts;

import io.hubpolicy.model.ImageChoices;

/** The configuration's {@code images:} and {@code unlistedImages:}, for the entitlement rules. */
public final class OfferedImages {
  private final ImageChoices choices;

  public OfferedImages(ImageChoices choices) {
    this.choices = choices;
  }

  /** Whether the spawn's image is one its user may not run. */
  public boolean refuses(Spawn s) {
    return refusalFor(s) != null;
  }

  /** Why the spawn's image is refused, or null when it is not. */
  public String refusalFor(Spawn s) {
    return choices.refusal(s.getImage(), s.getUser(), s.getGroups());
  }
}
