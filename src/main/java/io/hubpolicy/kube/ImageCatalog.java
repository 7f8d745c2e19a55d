package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.hubpolicy.catalog.Catalog;
import io.hubpolicy.catalog.ImageSource;
import io.hubpolicy.catalog.NotebookImages;
import io.hubpolicy.model.PolicyConfig;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notebook images of one namespace, kept current by an informer on ImageStreams so that a
 * request reads a snapshot and never calls the API server (the old system re-read every ImageStream
 * per request: defect 8).
 *
 * <p>Where ImageStreams cannot supply images (plain Kubernetes without the OpenShift image API, not
 * yet synced, or no labelled stream with an imported tag) the catalog falls back to the images the
 * profiles name, so spawning never depends on ImageStreams being there.
 */
public final class ImageCatalog implements ImageSource, AutoCloseable {
  public static final String DEFAULT_SELECTOR = "opendatahub.io/notebook-image=true";

  public static final ResourceDefinitionContext IMAGE_STREAMS =
      new ResourceDefinitionContext.Builder()
          .withGroup("image.openshift.io")
          .withVersion("v1")
          .withKind("ImageStream")
          .withPlural("imagestreams")
          .withNamespaced(true)
          .build();

  private static final Logger LOG = LoggerFactory.getLogger(ImageCatalog.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String selector;

  private volatile SharedIndexInformer<GenericKubernetesResource> informer;
  private volatile Catalog snapshot = new Catalog(List.of(), List.of(), Catalog.IMAGE_STREAMS);
  private volatile boolean apiMissing;
  private volatile Fallback fallback;
  // Recomputing under its own lock, not the instance's, so close() never waits on a handler.
  private final Object recomputeLock = new Object();
  // Reset by a successful event, so that a new outage is reported again.
  private volatile boolean failureLogged;

  /** The profile catalog last built, for the config and snapshot it was built from. */
  private record Fallback(PolicyConfig config, Catalog from, Catalog catalog) {}

  public ImageCatalog(KubernetesClient client, String namespace) {
    this(client, namespace, DEFAULT_SELECTOR);
  }

  /**
   * @param selector narrows which ImageStreams are watched; streams still need the {@code
   *     opendatahub.io/notebook-image=true} label to be listed
   */
  public ImageCatalog(KubernetesClient client, String namespace, String selector) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.selector = Objects.requireNonNull(selector, "selector");
  }

  /** Starts watching; returns at once. Until the first list completes, profiles supply images. */
  public synchronized void start() {
    if (informer != null) {
      throw new IllegalStateException("already started");
    }
    SharedIndexInformer<GenericKubernetesResource> created =
        client
            .genericKubernetesResources(IMAGE_STREAMS)
            .inNamespace(namespace)
            .withLabelSelector(selector)
            .runnableInformer(0);
    created.addEventHandler(new OnAnyChange<>(this::recompute));
    created.exceptionHandler(this::retryAfter);
    informer = created;
    created
        .start()
        .whenComplete(
            (ignored, failure) -> {
              if (failure == null) {
                LOG.info("Watching ImageStreams in namespace {} ({})", namespace, selector);
              }
            });
  }

  /**
   * The images to offer: the ImageStream catalog when it has any, otherwise the profile fallback
   * carrying the ImageStream warnings (they explain why the fallback is in use).
   */
  @Override
  public Catalog current(PolicyConfig config) {
    Catalog streams = snapshot;
    SharedIndexInformer<GenericKubernetesResource> running = informer;
    if (!apiMissing && running != null && running.hasSynced() && !streams.images().isEmpty()) {
      return streams;
    }
    Fallback cached = fallback;
    if (cached != null && cached.config() == config && cached.from() == streams) {
      return cached.catalog();
    }
    Catalog profiles = NotebookImages.fromProfiles(config);
    List<String> warnings = new ArrayList<>(streams.warnings());
    warnings.addAll(profiles.warnings());
    Catalog built = new Catalog(profiles.images(), warnings, profiles.source());
    fallback = new Fallback(config, streams, built);
    return built;
  }

  /** True once the cluster answered that it has no ImageStream API; profiles are used for good. */
  public boolean imageStreamsUnavailable() {
    return apiMissing;
  }

  /** True once the watch after the first list is open: later changes will arrive. */
  boolean watching() {
    SharedIndexInformer<GenericKubernetesResource> running = informer;
    return running != null && running.isWatching();
  }

  /** True while listing or watching fails for a reason other than a missing API (retrying). */
  boolean retrying() {
    return failureLogged;
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
    }
  }

  private boolean retryAfter(boolean started, Throwable failure) {
    if (isNotFound(failure)) {
      // Plain Kubernetes: the API will not appear by retrying, and each retry would log.
      if (!apiMissing) {
        apiMissing = true;
        LOG.info(
            "No ImageStream API (image.openshift.io/v1) in namespace {}; notebook images come"
                + " from the profiles",
            namespace);
      }
      return false;
    }
    if (!failureLogged) {
      failureLogged = true;
      LOG.warn(
          "Cannot list or watch ImageStreams in namespace {}; retrying, serving the last known"
              + " images meanwhile: {}",
          namespace,
          failure.toString());
    }
    return true;
  }

  // The informer hands over the failure wrapped in CompletionExceptions.
  private static boolean isNotFound(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_NOT_FOUND;
      }
    }
    return false;
  }

  private void recompute() {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    if (current == null) {
      return;
    }
    synchronized (recomputeLock) {
      failureLogged = false;
      Catalog next = NotebookImages.fromImageStreams(current.getStore().list());
      Set<String> known = new HashSet<>(snapshot.warnings());
      snapshot = next;
      for (String warning : next.warnings()) {
        if (!known.contains(warning)) {
          LOG.warn("{}", warning);
        }
      }
      LOG.debug("ImageStream catalog: {} images", next.images().size());
    }
  }
}
