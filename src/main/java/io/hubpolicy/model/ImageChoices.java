package io.hubpolicy.model;

import java.util.List;

/**
 * Which images users may choose: the configuration's {@code images:} entries and {@code
 * unlistedImages:}. Without either, any image is accepted (the hub's own list, as before); with
 * them, a request for an image no entry offers its user is refused.
 *
 * @param unlisted null: no image outside the entries
 */
public record ImageChoices(List<ImageOffer> offers, UnlistedImages unlisted) {
  public static final ImageChoices ANY = new ImageChoices(List.of(), null);

  public ImageChoices {
    offers = offers == null ? List.of() : List.copyOf(offers);
  }

  /** Whether the configuration limits images at all. */
  public boolean restricted() {
    return !offers.isEmpty() || unlisted != null;
  }

  /** The first entry that offers {@code image} to this user, if any. */
  public ImageOffer offer(String image, String user, List<String> groups) {
    for (ImageOffer o : offers) {
      if (o.image().matches(image) && o.audience().includes(user, groups)) {
        return o;
      }
    }
    return null;
  }

  /**
   * Why this user may not run {@code image}, or null when they may (or nothing is restricted, or no
   * image was chosen: the spawner's own default stands).
   */
  public String refusal(String image, String user, List<String> groups) {
    if (!restricted() || image == null || image.isEmpty()) {
      return null;
    }
    if (offer(image, user, groups) != null
        || (unlisted != null && unlisted.allows(image, user, groups))) {
      return null;
    }
    return "the image '"
        + image
        + "' is not offered to "
        + user
        + (unlisted != null && unlisted.audience().includes(user, groups)
            ? ", and it does not match the pattern custom images must match ("
                + unlisted.pattern().pattern()
                + ")"
            : "");
  }
}
