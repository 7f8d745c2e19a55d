package io.hubpolicy.model;

/**
 * An entry of the configuration's {@code images:}: images users may choose (an exact image, every
 * tag of one, or a glob over what the catalog holds), to whom, and how the form shows it.
 *
 * @param displayName null: the image's own name
 */
public record ImageOffer(
    ImagePattern image,
    Audience audience,
    String displayName,
    String description,
    boolean isDefault,
    SourceRef source) {}
