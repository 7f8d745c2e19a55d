package io.hubpolicy.services;

import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.SafeNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a planned launch: an anchor ConfigMap per user server that owns every object (so the
 * garbage collector removes what a missed stop leaves), each object created or replaced, then the
 * {@code return} values read back, waiting a bounded time for those a controller fills in later. If
 * any step fails, what this launch created is deleted again before the failure is reported.
 */
public final class ServiceLauncher implements Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceLauncher.class);
  private static final Duration FIRST_POLL = Duration.ofMillis(100);
  private static final Duration MAX_POLL = Duration.ofSeconds(1);

  private final ClusterResources cluster;
  private final Duration returnTimeout;

  /** An object a launch created or replaced. */
  public record LaunchedObject(
      String service, String apiVersion, String kind, String name, boolean created) {
    public String ref() {
      return kind + "/" + name;
    }
  }

  /** What a launch did and the variables its services returned. */
  public record Launch(String anchor, List<LaunchedObject> objects, Map<String, String> env) {
    static Launch nothing() {
      return new Launch(null, List.of(), Map.of());
    }
  }

  /** What a stop deleted, and what it left because its lifecycle has not ended. */
  public record Stopped(List<String> deleted, List<String> kept) {}

  public ServiceLauncher(ClusterResources cluster, Duration returnTimeout) {
    this.cluster = cluster;
    this.returnTimeout = returnTimeout;
  }

  @Override
  public String namespace() {
    return cluster.namespace();
  }

  @Override
  public Launch launch(ServiceTarget target, List<PlannedService> plan) {
    for (PlannedService p : plan) {
      if (!p.ok()) {
        throw new ServiceLaunchException(ServiceLaunchException.Cause.TEMPLATE, p.error(), null);
      }
    }
    if (plan.stream().allMatch(p -> p.manifests().isEmpty())) {
      return Launch.nothing();
    }
    List<LaunchedObject> done = new ArrayList<>();
    boolean anchorCreated = false;
    String anchorName = ServiceNames.anchorName(target);
    try {
      ClusterResources.Applied anchor = anchor(target, plan);
      anchorCreated = anchor.created();
      OwnerReference owner = owner(anchor.object());
      Map<String, List<GenericKubernetesResource>> stored = new LinkedHashMap<>();
      for (PlannedService p : plan) {
        for (GenericKubernetesResource m : p.manifests()) {
          GenericKubernetesResource desired = copy(m);
          if (owner != null) {
            desired.getMetadata().setOwnerReferences(List.of(owner));
          }
          ClusterResources.Applied a;
          try {
            a = cluster.apply(desired);
          } catch (RuntimeException e) {
            throw new ServiceLaunchException(
                ServiceLaunchException.Cause.CLUSTER,
                "service "
                    + p.name()
                    + ": "
                    + m.getKind()
                    + " "
                    + m.getMetadata().getName()
                    + " could not be created: "
                    + e.getMessage(),
                e);
          }
          done.add(
              new LaunchedObject(
                  p.name(),
                  m.getApiVersion(),
                  m.getKind(),
                  m.getMetadata().getName(),
                  a.created()));
          stored.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(a.object());
        }
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (PlannedService p : plan) {
        if (!p.returns().isEmpty()) {
          env.putAll(returns(p, stored.getOrDefault(p.name(), List.of())));
        }
      }
      return new Launch(anchorName, List.copyOf(done), Collections.unmodifiableMap(env));
    } catch (RuntimeException e) {
      String undone = rollback(done, anchorCreated ? anchorName : null);
      if (e instanceof ServiceLaunchException sle) {
        throw new ServiceLaunchException(sle.kind(), sle.getMessage() + undone, sle.getCause());
      }
      throw new ServiceLaunchException(
          ServiceLaunchException.Cause.CLUSTER,
          "launching services for " + target.userServer() + " failed: " + e.getMessage() + undone,
          e);
    }
  }

  /** Deletes the user server's objects whose lifecycle ends with {@code event}. */
  @Override
  public Stopped stop(String user, String server, Lifecycle event) {
    List<GenericKubernetesResource> anchors = new ArrayList<>();
    if (event == Lifecycle.USER_DELETED) {
      Map<String, String> sel = new LinkedHashMap<>();
      sel.put(ServiceNames.MANAGED_BY, ServiceNames.MANAGER);
      sel.put(ServiceNames.USERNAME, SafeNames.safeSlug(user));
      sel.put(ServiceNames.COMPONENT, ServiceNames.ANCHOR_COMPONENT);
      anchors.addAll(cluster.list("v1", "ConfigMap", sel));
    } else {
      String anchor = ServiceNames.anchorName(SafeNames.userServerSlug(user, server));
      cluster.get("v1", "ConfigMap", anchor).ifPresent(anchors::add);
    }
    List<String> deleted = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (GenericKubernetesResource anchor : anchors) {
      Stopped s = end(anchor, event);
      deleted.addAll(s.deleted());
      kept.addAll(s.kept());
    }
    LOG.info(
        "{} for {} (server '{}'): deleted {}, kept {}",
        event,
        user,
        server == null ? "" : server,
        deleted,
        kept);
    return new Stopped(List.copyOf(deleted), List.copyOf(kept));
  }

  /**
   * Deletes the objects under one anchor whose lifecycle {@code event} ends, and the anchor when
   * nothing is left under it: what a stop does for each user server, and what the clean-up does for
   * a server whose pod is gone.
   */
  public Stopped end(GenericKubernetesResource anchor, Lifecycle event) {
    Set<Lifecycle> ended = event.ends();
    List<String> deleted = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    Map<String, String> anchorLabels = anchor.getMetadata().getLabels();
    String userServer = anchorLabels == null ? null : anchorLabels.get(ServiceNames.USER_SERVER);
    if (userServer == null) {
      LOG.warn(
          "anchor {} has no {} label; left as it is",
          anchor.getMetadata().getName(),
          ServiceNames.USER_SERVER);
      return new Stopped(
          List.of(), List.of(anchor.getKind() + "/" + anchor.getMetadata().getName()));
    }
    Map<String, String> sel = new LinkedHashMap<>();
    sel.put(ServiceNames.MANAGED_BY, ServiceNames.MANAGER);
    sel.put(ServiceNames.USER_SERVER, userServer);
    for (String[] kind : kinds(anchor)) {
      for (GenericKubernetesResource o : cluster.list(kind[0], kind[1], sel)) {
        if (isAnchor(o)) {
          continue;
        }
        String ref = o.getKind() + "/" + o.getMetadata().getName();
        if (ended.contains(lifecycle(o))) {
          if (cluster.delete(kind[0], kind[1], o.getMetadata().getName())) {
            deleted.add(ref);
          }
        } else {
          kept.add(ref);
        }
      }
    }
    if (kept.isEmpty()) {
      cluster.delete("v1", "ConfigMap", anchor.getMetadata().getName());
    }
    return new Stopped(List.copyOf(deleted), List.copyOf(kept));
  }

  private static boolean isAnchor(GenericKubernetesResource o) {
    return ServiceNames.ANCHOR_COMPONENT.equals(
        o.getMetadata().getLabels().get(ServiceNames.COMPONENT));
  }

  /**
   * The object's lifecycle annotation, ours or else KubeTemplateSpawner's (same values); without
   * either, the shortest. A name this version does not know is null, which no event ends: the
   * object is kept rather than guessed at.
   */
  private static Lifecycle lifecycle(GenericKubernetesResource o) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    String lc = a == null ? null : a.get(ServiceNames.LIFECYCLE);
    if (lc == null && a != null) {
      lc = a.get(ServiceNames.KTS_LIFECYCLE);
    }
    return lc == null ? Lifecycle.SERVER_STOPPED : Lifecycle.of(lc).orElse(null);
  }

  private ClusterResources.Applied anchor(ServiceTarget target, List<PlannedService> plan) {
    Set<String> kinds = new LinkedHashSet<>();
    for (PlannedService p : plan) {
      p.manifests().forEach(m -> kinds.add(m.getApiVersion() + " " + m.getKind()));
    }
    GenericKubernetesResource desired = new GenericKubernetesResource();
    desired.setApiVersion("v1");
    desired.setKind("ConfigMap");
    ObjectMeta meta = new ObjectMeta();
    meta.setName(ServiceNames.anchorName(target));
    meta.setNamespace(cluster.namespace());
    Map<String, String> labels = new LinkedHashMap<>(ServiceNames.labels(target));
    labels.put(ServiceNames.COMPONENT, ServiceNames.ANCHOR_COMPONENT);
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(ServiceNames.RAW_USERNAME, target.user());
    if (!target.server().isEmpty()) {
      annotations.put(ServiceNames.RAW_SERVERNAME, target.server());
    }
    meta.setAnnotations(annotations);
    desired.setMetadata(meta);
    desired.setAdditionalProperty("data", Map.of(ServiceNames.ANCHOR_KINDS_KEY, lines(kinds)));
    ClusterResources.Applied a = cluster.createIfAbsent(desired);
    Set<String> known = new LinkedHashSet<>();
    for (String[] k : kinds(a.object())) {
      known.add(k[0] + " " + k[1]);
    }
    Map<String, String> stored = a.object().getMetadata().getAnnotations();
    boolean stamped = stored != null && stored.containsKey(ServiceNames.MISSING_SINCE);
    if (!known.containsAll(kinds) || stamped) {
      // A later launch may bring kinds an earlier one did not; stop must find them all. And a
      // server starting again is no longer missing: the clean-up's clock starts afresh.
      known.addAll(kinds);
      GenericKubernetesResource updated = copy(a.object());
      updated.setAdditionalProperty("data", Map.of(ServiceNames.ANCHOR_KINDS_KEY, lines(known)));
      Map<String, String> kept = new LinkedHashMap<>(stored == null ? Map.of() : stored);
      kept.remove(ServiceNames.MISSING_SINCE);
      kept.putAll(annotations);
      updated.getMetadata().setAnnotations(kept);
      return new ClusterResources.Applied(cluster.apply(updated).object(), a.created());
    }
    return a;
  }

  private static String lines(Set<String> kinds) {
    return kinds.stream().collect(Collectors.joining("\n", "", "\n"));
  }

  private static List<String[]> kinds(GenericKubernetesResource anchor) {
    Object data = anchor.getAdditionalProperties().get("data");
    Object text = data instanceof Map<?, ?> d ? d.get(ServiceNames.ANCHOR_KINDS_KEY) : null;
    List<String[]> out = new ArrayList<>();
    if (text instanceof String s) {
      for (String line : s.split("\n")) {
        String[] parts = line.strip().split(" ");
        if (parts.length == 2) {
          out.add(parts);
        }
      }
    }
    return out;
  }

  private static OwnerReference owner(GenericKubernetesResource anchor) {
    String uid = anchor.getMetadata().getUid();
    if (uid == null) {
      LOG.warn(
          "anchor {} has no uid; objects get no owner reference", anchor.getMetadata().getName());
      return null;
    }
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("ConfigMap")
        .withName(anchor.getMetadata().getName())
        .withUid(uid)
        .build();
  }

  /**
   * Each {@code return} path is evaluated on the service's objects, last first; the first object
   * where it matches gives the value. Paths that match nothing yet are retried on fresh reads until
   * the timeout, since a controller may fill them in (status) after creation.
   */
  private Map<String, String> returns(PlannedService p, List<GenericKubernetesResource> objects) {
    Map<String, String> pending = new LinkedHashMap<>(p.returns());
    Map<String, String> out = new LinkedHashMap<>();
    long deadline = System.nanoTime() + returnTimeout.toNanos();
    Duration pause = FIRST_POLL;
    List<GenericKubernetesResource> current = objects;
    while (true) {
      for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        String v = evaluate(current, e.getValue());
        if (v != null) {
          out.put(e.getKey(), v);
          it.remove();
        }
      }
      if (pending.isEmpty()) {
        return out;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new ServiceLaunchException(
            ServiceLaunchException.Cause.TIMEOUT,
            "service "
                + p.name()
                + ": "
                + pending.entrySet().stream()
                    .map(e -> "return " + e.getKey() + " ('" + e.getValue() + "')")
                    .collect(Collectors.joining(", "))
                + " matched nothing on "
                + objects.stream()
                    .map(o -> o.getKind() + " " + o.getMetadata().getName())
                    .collect(Collectors.joining(", "))
                + " within "
                + returnTimeout.toMillis() / 1000.0
                + " s",
            null);
      }
      sleep(Math.min(pause.toNanos(), left));
      pause = pause.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : pause.multipliedBy(2);
      List<GenericKubernetesResource> fresh = new ArrayList<>();
      for (GenericKubernetesResource o : objects) {
        fresh.add(
            cluster
                .get(o.getApiVersion(), o.getKind(), o.getMetadata().getName())
                .orElseThrow(
                    () ->
                        new ServiceLaunchException(
                            ServiceLaunchException.Cause.CLUSTER,
                            "service "
                                + p.name()
                                + ": "
                                + o.getKind()
                                + " "
                                + o.getMetadata().getName()
                                + " disappeared while waiting for its return values",
                            null)));
      }
      current = fresh;
    }
  }

  /** One match as a string, several joined with commas, none as null. */
  static String evaluate(List<GenericKubernetesResource> objects, String path) {
    String p = ReturnPaths.normalize(path);
    for (int i = objects.size() - 1; i >= 0; i--) {
      Object json = KubeJson.SERIALIZATION.convertValue(objects.get(i), Map.class);
      Object v;
      try {
        v = JsonPath.read(json, p);
      } catch (PathNotFoundException e) {
        continue;
      }
      if (v instanceof List<?> l) {
        List<String> parts = new ArrayList<>();
        for (Object item : l) {
          if (item != null) {
            parts.add(text(item));
          }
        }
        if (!parts.isEmpty()) {
          return String.join(",", parts);
        }
      } else if (v != null) {
        return text(v);
      }
    }
    return null;
  }

  private static String text(Object v) {
    return v instanceof Map<?, ?> || v instanceof List<?>
        ? KubeJson.SERIALIZATION.asJson(v)
        : String.valueOf(v);
  }

  private String rollback(List<LaunchedObject> done, String anchor) {
    List<String> deleted = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int i = done.size() - 1; i >= 0; i--) {
      LaunchedObject o = done.get(i);
      if (!o.created()) {
        continue;
      }
      try {
        cluster.delete(o.apiVersion(), o.kind(), o.name());
        deleted.add(o.ref());
      } catch (RuntimeException e) {
        failed.add(o.ref() + " (" + e.getMessage() + ")");
      }
    }
    if (anchor != null) {
      try {
        cluster.delete("v1", "ConfigMap", anchor);
      } catch (RuntimeException e) {
        failed.add("ConfigMap/" + anchor + " (" + e.getMessage() + ")");
      }
    }
    if (!failed.isEmpty()) {
      LOG.warn("rollback could not delete {}", failed);
    }
    return "; rolled back: "
        + (deleted.isEmpty() ? "nothing had been created" : "deleted " + String.join(", ", deleted))
        + (failed.isEmpty() ? "" : "; could not delete " + String.join(", ", failed));
  }

  private static GenericKubernetesResource copy(GenericKubernetesResource r) {
    return KubeJson.SERIALIZATION.clone(r);
  }

  private static void sleep(long nanos) {
    try {
      java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServiceLaunchException(
          ServiceLaunchException.Cause.TIMEOUT, "interrupted while waiting for return values", e);
    }
  }
}
