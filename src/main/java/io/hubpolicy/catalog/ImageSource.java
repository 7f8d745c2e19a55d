package io.hubpolicy.catalog;

import io.hubpolicy.model.PolicyConfig;

/**
 * Where the images users may choose come from: ImageStreams watched in the cluster, or, without a
 * cluster, the images the profiles name ({@link #PROFILES}). Answers from memory.
 */
public interface ImageSource {
  /** The catalog to offer with this configuration (taken per call: it is reloaded). */
  Catalog current(PolicyConfig config);

  /** File mode: the images the profiles name. */
  ImageSource PROFILES = NotebookImages::fromProfiles;
}
