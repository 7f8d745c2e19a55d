package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.catalog.ImageStreamReader.Entry;
import io.hubpolicy.model.ImageChoices;
import io.hubpolicy.model.ImageOffer;
import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.NotebookImage;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Profile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds the image catalog from ImageStreams, or from the profiles where a cluster has none. Pure
 * functions: an informer on ImageStreams (in {@code kube}) feeds them, tests call them directly.
 */
public final class NotebookImages {
  // Display order: the stream's order annotation (unordered last), then the stream name, then the
  // tag's position in spec.tags, which ODH manifests write newest first. Sorting tags by name
  // would put "2023.1" before "2024.2" and "10" before "9".
  private static final Comparator<Entry> DISPLAY_ORDER =
      Comparator.<Entry>comparingInt(e -> e.image().order())
          .thenComparing(e -> e.image().stream())
          .thenComparingInt(Entry::tagPosition);

  private NotebookImages() {}

  /**
   * The catalog from ImageStreams labelled {@code opendatahub.io/notebook-image=true} (others are
   * ignored): one image per spec tag that has been imported. Never throws on malformed streams; see
   * {@link Catalog#warnings()}.
   */
  public static Catalog fromImageStreams(List<GenericKubernetesResource> streams) {
    List<String> warnings = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    List<GenericKubernetesResource> notebookStreams =
        streams.stream()
            .filter(s -> s != null && s.getMetadata() != null && s.getMetadata().getName() != null)
            .filter(ImageStreamReader::isNotebookStream)
            // Sorted so that warnings come out in the same order whatever order the cache lists.
            .sorted(Comparator.comparing(s -> s.getMetadata().getName()))
            .toList();
    for (GenericKubernetesResource stream : notebookStreams) {
      entries.addAll(ImageStreamReader.read(stream, warnings));
    }
    entries.sort(DISPLAY_ORDER);
    return new Catalog(withOneDefault(entries, warnings), warnings, Catalog.IMAGE_STREAMS);
  }

  /**
   * The fallback where there are no ImageStreams: the distinct images profiles name, in
   * configuration order, the first one default. Globs ({@code *}, {@code ?}) name no image a user
   * could pick, so they are left out; tagless names are kept, as the hub may send them as they are.
   */
  public static Catalog fromProfiles(PolicyConfig config) {
    List<NotebookImage> offered = fromOffers(config);
    if (!offered.isEmpty()) {
      return new Catalog(offered, List.of(), Catalog.CONFIGURATION);
    }
    Set<String> names = new LinkedHashSet<>();
    for (Profile profile : config.profiles()) {
      for (String image : profile.images()) {
        if (image != null && !image.isBlank() && image.indexOf('*') < 0 && image.indexOf('?') < 0) {
          names.add(image.trim());
        }
      }
    }
    List<NotebookImage> images = new ArrayList<>();
    for (String name : names) {
      String stream = ImageRef.nameWithoutTag(name);
      String tag = ImageRef.hasTag(name) ? tagOf(name, stream) : null;
      images.add(
          new NotebookImage(
              name,
              stream,
              tag,
              name,
              null,
              null,
              images.size(),
              List.of(),
              List.of(),
              images.isEmpty(),
              null));
    }
    return new Catalog(images, List.of(), Catalog.PROFILES);
  }

  /**
   * The images the configuration's {@code images:} entries name exactly (globs name none a user
   * could pick), with their display names and descriptions; the first marked default is the
   * default, else the first.
   */
  private static List<NotebookImage> fromOffers(PolicyConfig config) {
    Set<String> seen = new LinkedHashSet<>();
    List<ImageOffer> exact = new ArrayList<>();
    for (ImageOffer o : config.images().offers()) {
      if (!o.image().isGlob() && seen.add(o.image().entry())) {
        exact.add(o);
      }
    }
    int chosen = 0;
    for (int i = 0; i < exact.size(); i++) {
      if (exact.get(i).isDefault()) {
        chosen = i;
        break;
      }
    }
    List<NotebookImage> images = new ArrayList<>();
    for (int i = 0; i < exact.size(); i++) {
      ImageOffer o = exact.get(i);
      String name = o.image().entry();
      String stream = ImageRef.nameWithoutTag(name);
      images.add(
          new NotebookImage(
              name,
              stream,
              ImageRef.hasTag(name) ? tagOf(name, stream) : null,
              o.displayName() == null ? name : o.displayName(),
              o.description(),
              null,
              i,
              List.of(),
              List.of(),
              i == chosen,
              null));
    }
    return images;
  }

  /**
   * The images of {@code catalog} that {@code choices} offer this user, in the same order. The
   * default stays if offered; otherwise the first offered image is the default.
   */
  public static Catalog forUser(
      Catalog catalog, ImageChoices choices, String user, List<String> groups) {
    if (choices.offers().isEmpty()) {
      return catalog;
    }
    List<NotebookImage> offered = new ArrayList<>();
    for (NotebookImage i : catalog.images()) {
      if (choices.offer(i.name(), user, groups) != null) {
        offered.add(i);
      }
    }
    boolean hasDefault = offered.stream().anyMatch(NotebookImage::isDefault);
    List<NotebookImage> out = new ArrayList<>(offered.size());
    for (int i = 0; i < offered.size(); i++) {
      out.add(hasDefault ? offered.get(i) : offered.get(i).withDefault(i == 0));
    }
    return new Catalog(out, catalog.warnings(), catalog.source());
  }

  /**
   * Marks the default: the first image whose tag is annotated default, else the first whose stream
   * is, else the first image. Exactly one, so the spawner page always has a preselection.
   */
  private static List<NotebookImage> withOneDefault(List<Entry> entries, List<String> warnings) {
    int chosen = firstMatching(entries, Entry::tagDefault, e -> e.image().name(), warnings);
    if (chosen < 0) {
      chosen = firstMatching(entries, Entry::streamDefault, e -> e.image().stream(), warnings);
    }
    if (chosen < 0) {
      chosen = 0;
    }
    List<NotebookImage> images = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      images.add(entries.get(i).image().withDefault(i == chosen));
    }
    return images;
  }

  /**
   * The first entry marked default, or -1. A warning when several {@code keys} (images, or whole
   * streams for the stream annotation, which marks every tag of its stream) claim to be default.
   */
  private static int firstMatching(
      List<Entry> entries,
      Predicate<Entry> isDefault,
      Function<Entry, String> key,
      List<String> warnings) {
    Set<String> claimants = new LinkedHashSet<>();
    int first = -1;
    for (int i = 0; i < entries.size(); i++) {
      if (isDefault.test(entries.get(i))) {
        claimants.add(key.apply(entries.get(i)));
        first = first < 0 ? i : first;
      }
    }
    if (claimants.size() > 1) {
      warnings.add(
          "several are annotated "
              + ImageStreamReader.DEFAULT_ANNOTATION
              + " ("
              + String.join(", ", claimants)
              + "); the first in display order, "
              + entries.get(first).image().name()
              + ", is the default");
    }
    return first;
  }

  /** What follows the name: the tag, or the digest of a reference without one. */
  private static String tagOf(String name, String stream) {
    return name.substring(stream.length() + 1);
  }
}
