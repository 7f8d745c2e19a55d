package io.hubpolicy.catalog;

import io.hubpolicy.model.NotebookImage;
import java.util.List;
import java.util.Optional;

/**
 * The images a user can choose, in display order, with at most one default. {@code source} says
 * where they came from ({@code imagestreams} or {@code profiles}); {@code warnings} what was
 * skipped and why, so that a broken ImageStream shows up in the answer instead of only in a log.
 */
public record Catalog(List<NotebookImage> images, List<String> warnings, String source) {
  public static final String IMAGE_STREAMS = "imagestreams";
  public static final String PROFILES = "profiles";

  /** The configuration's {@code images:} entries (file mode). */
  public static final String CONFIGURATION = "configuration";

  public Catalog {
    images = List.copyOf(images);
    warnings = List.copyOf(warnings);
  }

  public Optional<NotebookImage> defaultImage() {
    return images.stream().filter(NotebookImage::isDefault).findFirst();
  }

  public Optional<NotebookImage> find(String name) {
    return images.stream().filter(i -> i.name().equals(name)).findFirst();
  }
}
