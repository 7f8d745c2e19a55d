package io.hubpolicy.services;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.SafeNames;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the side services of user servers that are gone without the hub saying so (a hub that
 * crashed, an evicted pod, a spawn that failed after its launch): one pass looks at every anchor,
 * and a user server without a running notebook pod for longer than the grace period has its {@code
 * server-stopped} objects deleted, as a stop would, and its anchor too when nothing is left.
 *
 * <p>Why it is safe to run while servers start: a launch comes before its pod, so an absence is
 * only acted on once it has lasted the whole grace period; the time it was first seen is written on
 * the anchor ({@link ServiceNames#MISSING_SINCE}), so that a new leader goes on counting rather
 * than starting again, and a launch removes it. Pods are listed before anchors and the anchor is
 * read again right before anything is deleted, which leaves only the deletes themselves to race a
 * launch that starts at that moment. Objects with a longer lifecycle ({@code server-deleted},
 * {@code user-deleted}) are kept: the cluster cannot tell whether the hub deleted the server.
 */
public final class OrphanReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanReconciler.class);

  private final ClusterResources services;
  private final ClusterResources notebooks;
  private final Map<String, String> podSelector;
  private final ServiceLauncher launcher;
  private final Duration grace;
  private final Clock clock;

  /** What one pass did. */
  public record Pass(
      int anchors,
      int pods,
      List<String> ended,
      List<String> anchorsDeleted,
      List<String> waiting,
      List<String> kept) {}

  /**
   * @param services where the anchors and their objects live (hubpolicy's namespace)
   * @param notebooks where the hub's notebook pods live
   * @param podSelector the labels of a notebook pod ({@code component=singleuser-server})
   */
  public OrphanReconciler(
      ClusterResources services,
      ClusterResources notebooks,
      Map<String, String> podSelector,
      ServiceLauncher launcher,
      Duration grace,
      Clock clock) {
    this.services = services;
    this.notebooks = notebooks;
    this.podSelector = Map.copyOf(podSelector);
    this.launcher = launcher;
    this.grace = grace;
    this.clock = clock;
  }

  /** One pass; a failure to list the pods ends it before anything is touched. */
  public Pass reconcile() {
    // Pods first: a launch seen in the anchors below has cleared its stamp already.
    List<GenericKubernetesResource> pods = notebooks.list("v1", "Pod", podSelector);
    Set<String> running = new HashSet<>();
    for (GenericKubernetesResource pod : pods) {
      if (running(pod)) {
        running.addAll(podKeys(pod));
      }
    }
    Map<String, String> sel = new LinkedHashMap<>();
    sel.put(ServiceNames.MANAGED_BY, ServiceNames.MANAGER);
    sel.put(ServiceNames.COMPONENT, ServiceNames.ANCHOR_COMPONENT);
    List<GenericKubernetesResource> anchors = services.list("v1", "ConfigMap", sel);
    List<String> ended = new ArrayList<>();
    List<String> anchorsDeleted = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    Instant now = clock.instant();
    for (GenericKubernetesResource anchor : anchors) {
      String name = anchor.getMetadata().getName();
      Instant since = missingSince(anchor);
      if (anchorKeys(anchor).stream().anyMatch(running::contains)) {
        if (since != null) {
          stamp(anchor, null);
        }
        continue;
      }
      if (since == null) {
        stamp(anchor, now);
        waiting.add(name);
        continue;
      }
      if (now.isBefore(since.plus(grace))) {
        waiting.add(name);
        continue;
      }
      Optional<GenericKubernetesResource> current = services.get("v1", "ConfigMap", name);
      if (current.isEmpty()
          || !current
              .get()
              .getMetadata()
              .getResourceVersion()
              .equals(anchor.getMetadata().getResourceVersion())) {
        // Stopped or launched since we listed: the next pass sees it as it is now.
        continue;
      }
      ServiceLauncher.Stopped s = launcher.end(current.get(), Lifecycle.SERVER_STOPPED);
      ended.addAll(s.deleted());
      kept.addAll(s.kept());
      if (s.kept().isEmpty()) {
        anchorsDeleted.add(name);
      }
      LOG.info(
          "clean-up: no notebook pod for {} since {} (grace {} s): deleted {}{}",
          instance(anchor),
          since,
          grace.toSeconds(),
          s.deleted(),
          s.kept().isEmpty()
              ? " and anchor " + name
              : "; kept " + s.kept() + " (their lifecycle outlives a stopped server)");
    }
    return new Pass(
        anchors.size(),
        pods.size(),
        List.copyOf(ended),
        List.copyOf(anchorsDeleted),
        List.copyOf(waiting),
        List.copyOf(kept));
  }

  /**
   * A pod that is being deleted or has ended (an evicted pod stays, Failed) no longer runs the
   * server; KubeSpawner's poll says the same.
   */
  private static boolean running(GenericKubernetesResource pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    Object status = pod.getAdditionalProperties().get("status");
    Object phase = status instanceof Map<?, ?> m ? m.get("phase") : null;
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /**
   * The user servers a pod may be: from KubeSpawner's annotations with the raw names (the same in
   * every version), and from its labels (whose escaping changed in KubeSpawner 7). Either match
   * keeps an anchor: wrongly keeping costs a little, wrongly deleting costs a user's work.
   */
  static Set<String> podKeys(GenericKubernetesResource pod) {
    Set<String> keys = new HashSet<>();
    Map<String, String> a = pod.getMetadata().getAnnotations();
    if (a != null && a.get(ServiceNames.RAW_USERNAME) != null) {
      keys.add(
          "instance:"
              + SafeNames.userServerSlug(
                  a.get(ServiceNames.RAW_USERNAME),
                  a.getOrDefault(ServiceNames.RAW_SERVERNAME, "")));
    }
    Map<String, String> l = pod.getMetadata().getLabels();
    if (l != null && l.get(ServiceNames.USERNAME) != null) {
      keys.add(
          "labels:"
              + l.get(ServiceNames.USERNAME)
              + "/"
              + l.getOrDefault(ServiceNames.SERVERNAME, ""));
    }
    return keys;
  }

  static Set<String> anchorKeys(GenericKubernetesResource anchor) {
    Set<String> keys = new HashSet<>();
    Map<String, String> l = anchor.getMetadata().getLabels();
    keys.add("instance:" + l.get(ServiceNames.INSTANCE));
    Map<String, String> a = anchor.getMetadata().getAnnotations();
    if (a != null && a.get(ServiceNames.RAW_USERNAME) != null) {
      keys.add(
          "instance:"
              + SafeNames.userServerSlug(
                  a.get(ServiceNames.RAW_USERNAME),
                  a.getOrDefault(ServiceNames.RAW_SERVERNAME, "")));
    }
    if (l.get(ServiceNames.USERNAME) != null) {
      keys.add(
          "labels:"
              + l.get(ServiceNames.USERNAME)
              + "/"
              + l.getOrDefault(ServiceNames.SERVERNAME, ""));
    }
    return keys;
  }

  private static String instance(GenericKubernetesResource anchor) {
    return anchor.getMetadata().getLabels().get(ServiceNames.INSTANCE);
  }

  /** When the absence was first seen; null if never, or if the stamp cannot be read. */
  private static Instant missingSince(GenericKubernetesResource anchor) {
    Map<String, String> a = anchor.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(ServiceNames.MISSING_SINCE);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      LOG.warn(
          "anchor {}: {} '{}' is not a time; counting from now",
          anchor.getMetadata().getName(),
          ServiceNames.MISSING_SINCE,
          v);
      return null;
    }
  }

  /**
   * Writes or (with null) removes the stamp, at the resourceVersion read: if a launch or stop
   * changed the anchor meanwhile, this pass leaves it and the next one sees it as it is.
   */
  private void stamp(GenericKubernetesResource anchor, Instant since) {
    GenericKubernetesResource updated = KubeJson.SERIALIZATION.clone(anchor);
    Map<String, String> a =
        new LinkedHashMap<>(
            updated.getMetadata().getAnnotations() == null
                ? Map.of()
                : updated.getMetadata().getAnnotations());
    if (since == null) {
      a.remove(ServiceNames.MISSING_SINCE);
    } else {
      a.put(ServiceNames.MISSING_SINCE, since.toString());
    }
    updated.getMetadata().setAnnotations(a);
    if (services.replace(updated).isEmpty()) {
      LOG.debug("anchor {} changed while stamping; next pass", anchor.getMetadata().getName());
    }
  }
}
