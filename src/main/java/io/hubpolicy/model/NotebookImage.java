package io.hubpolicy.model;

import java.util.List;

/**
 * A notebook image the user can choose. {@code name} is what the hub sends back as the image
 * ({@code <stream>:<tag>}); {@code pullSpec} is where the node pulls it from, null when the catalog
 * does not know (profile fallback, or an ImageStream status without a repository).
 *
 * <p>{@code order} is {@link #UNORDERED} for images whose stream gives no usable order, so that
 * they sort after every ordered one.
 */
public record NotebookImage(
    String name,
    String stream,
    String tag,
    String displayName,
    String description,
    String url,
    int order,
    List<NameVersion> software,
    List<NameVersion> dependencies,
    boolean isDefault,
    String pullSpec) {
  public static final int UNORDERED = Integer.MAX_VALUE;

  public NotebookImage {
    software = software == null ? List.of() : List.copyOf(software);
    dependencies = dependencies == null ? List.of() : List.copyOf(dependencies);
  }

  public boolean ordered() {
    return order != UNORDERED;
  }

  /** The same image with the default flag set as given. */
  public NotebookImage withDefault(boolean value) {
    return new NotebookImage(
        name,
        stream,
        tag,
        displayName,
        description,
        url,
        order,
        software,
        dependencies,
        value,
        pullSpec);
  }

  /** One entry of a software or dependency list, e.g. {@code Python v3.8}. */
  public record NameVersion(String name, String version) {}
}
