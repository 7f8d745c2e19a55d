package io.hubpolicy.engine.facts;

import io.hubpolicy.model.Profile;

/**
 * A profile whose user and image conditions the request meets. Its salience is 1,000,000 minus its
 * position in the configuration, so matches fire in configuration order and the last match wins.
 */
public final class ProfileMatch {
  public static final int BAND_TOP = 1_000_000;

  private final Profile profile;

  public ProfileMatch(Profile profile) {
    this.profile = profile;
  }

  public Profile getProfile() {
    return profile;
  }

  public String getName() {
    return profile.name();
  }

  public int getOrder() {
    return profile.order();
  }

  public int getSalience() {
    return BAND_TOP - profile.order();
  }

  @Override
  public String toString() {
    return "ProfileMatch[" + profile.order() + ": " + profile.name() + "]";
  }
}
