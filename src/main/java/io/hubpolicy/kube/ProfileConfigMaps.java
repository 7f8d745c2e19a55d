package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.profiles.ConfigSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration as the cluster holds it: the named ConfigMap first, then every labelled one in
 * name order. Two informers keep local copies; every add, change or delete submits the whole set to
 * the {@link PolicyReloader}, which builds it off the request path. A decision never calls the API
 * server.
 *
 * <p>With {@link Where#rulesFromConfigMaps}, any key ending in {@code .drl} is a policy rule file
 * too, so a policy author can ship rules the same way as profiles.
 */
public final class ProfileConfigMaps implements AutoCloseable {
  /**
   * Where in the cluster the configuration lives. The defaults are the old system's names, so an
   * existing deployment's ConfigMaps are picked up unchanged.
   *
   * <p>{@code rulesFromConfigMaps}: whether {@code .drl} keys in those ConfigMaps are loaded as
   * policy rules. Off by default because a rule's consequence is Java running inside hubpolicy,
   * with hubpolicy's service account; whoever may edit a profile ConfigMap should not get that by
   * default.
   */
  public record Where(
      String namespace,
      String configMapName,
      String labelSelector,
      String key,
      boolean rulesFromConfigMaps) {
    public static final String DEFAULT_CONFIGMAP = "jupyter-singleuser-profiles";
    public static final String DEFAULT_SELECTOR = "jupyterhub=singleuser-profiles";
    public static final String DEFAULT_KEY = "jupyterhub-singleuser-profiles.yaml";

    public static Where defaults(String namespace) {
      return new Where(namespace, DEFAULT_CONFIGMAP, DEFAULT_SELECTOR, DEFAULT_KEY, false);
    }

    public Where withRulesFromConfigMaps(boolean on) {
      return new Where(namespace, configMapName, labelSelector, key, on);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ProfileConfigMaps.class);

  private final KubernetesClient client;
  private final Where settings;
  private final List<RuleSource> fileRules;
  private final PolicyReloader reloader;
  private final AtomicInteger failures = new AtomicInteger();
  private SharedIndexInformer<ConfigMap> named;
  private SharedIndexInformer<ConfigMap> labelled;

  public ProfileConfigMaps(
      KubernetesClient client,
      Where settings,
      List<RuleSource> fileRules,
      PolicyReloader reloader) {
    this.client = client;
    this.settings = settings;
    this.fileRules = List.copyOf(fileRules);
    this.reloader = reloader;
  }

  /**
   * Starts watching; the returned stage completes when both informers have their first list. An
   * unreachable API server is logged and retried with backoff (by the informers), not fatal.
   */
  public CompletionStage<Void> start() {
    ResourceEventHandler<ConfigMap> onChange = new OnAnyChange<>(this::changed);
    named =
        client
            .configMaps()
            .inNamespace(settings.namespace())
            .withName(settings.configMapName())
            .runnableInformer(0);
    labelled =
        client
            .configMaps()
            .inNamespace(settings.namespace())
            .withLabelSelector(settings.labelSelector())
            .runnableInformer(0);
    for (SharedIndexInformer<ConfigMap> i : List.of(named, labelled)) {
      i.addEventHandler(onChange);
      i.exceptionHandler(
          (started, t) -> {
            int n = failures.incrementAndGet();
            // The first failure says what is wrong; later ones only every so often.
            if (n == 1 || n % 20 == 0) {
              LOG.warn(
                  "cannot read ConfigMaps in namespace {} from the Kubernetes API ({}); retrying"
                      + " with backoff{}",
                  settings.namespace(),
                  rootMessage(t),
                  reloader.status().current() == null
                      ? "; no configuration is loaded yet"
                      : "; decisions continue on revision "
                          + reloader.status().current().revision());
            }
            return true;
          });
    }
    CompletableFuture<Void> both =
        CompletableFuture.allOf(
            named.start().toCompletableFuture(), labelled.start().toCompletableFuture());
    watchdog(both);
    return both.thenRun(
        () -> {
          if (failures.get() > 0) {
            LOG.info("Kubernetes API reachable again after {} failed attempt(s)", failures.get());
          }
          changed();
        });
  }

  /**
   * The client retries each request for a while before an informer hears of a failure, so an
   * unreachable API server could otherwise go unmentioned for a minute. Say so after 10 s, 30 s, 1
   * min, then every 5 min, until the first list arrives.
   */
  private void watchdog(CompletableFuture<Void> synced) {
    long[] delays = {10, 30, 60};
    Thread t =
        new Thread(
            () -> {
              long waited = 0;
              int i = 0;
              while (!synced.isDone()) {
                long next = i < delays.length ? delays[i++] : waited + 300;
                try {
                  synced.get(next - waited, java.util.concurrent.TimeUnit.SECONDS);
                  return;
                } catch (java.util.concurrent.TimeoutException e) {
                  waited = next;
                  LOG.warn(
                      "no answer from the Kubernetes API at {} after {} s; still trying. Decisions"
                          + " answer 503 until the configuration in namespace {} has loaded.",
                      client.getMasterUrl(),
                      waited,
                      settings.namespace());
                } catch (InterruptedException e) {
                  return;
                } catch (java.util.concurrent.ExecutionException e) {
                  return;
                }
              }
            },
            "kube-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private void changed() {
    // Events during the first list would build half a configuration; the sync completion builds.
    if (named.hasSynced() && labelled.hasSynced()) {
      reloader.submit(snapshot());
    }
  }

  /** The configuration the informers hold now, in load order. */
  public PolicyReloader.Input snapshot() {
    List<ConfigMap> ordered = new ArrayList<>();
    named.getStore().list().stream()
        .filter(cm -> settings.configMapName().equals(cm.getMetadata().getName()))
        .forEach(ordered::add);
    labelled.getStore().list().stream()
        .filter(cm -> !settings.configMapName().equals(cm.getMetadata().getName()))
        .sorted(Comparator.comparing(cm -> cm.getMetadata().getName()))
        .forEach(ordered::add);
    List<ConfigSource> profiles = new ArrayList<>();
    List<RuleSource> rules = new ArrayList<>(fileRules);
    List<PolicyReloader.SourceVersion> versions = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (ConfigMap cm : ordered) {
      String id = "configmap/" + cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
      versions.add(new PolicyReloader.SourceVersion(id, cm.getMetadata().getResourceVersion()));
      Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
      String text = data.get(settings.key());
      if (text == null || text.isBlank()) {
        notes.add(id + " has no (or an empty) key " + settings.key() + "; no profiles from it");
      } else {
        profiles.add(new ConfigSource(id + "/" + settings.key(), text));
      }
      List<String> drl = data.keySet().stream().filter(k -> k.endsWith(".drl")).sorted().toList();
      if (settings.rulesFromConfigMaps()) {
        drl.forEach(k -> rules.add(new RuleSource(id + "/" + k, data.get(k))));
      } else if (!drl.isEmpty()) {
        notes.add(
            id
                + " has rule keys "
                + drl
                + "; not loaded: rules from ConfigMaps are off (--configmap-rules)");
      }
    }
    return new PolicyReloader.Input(profiles, rules, versions, notes);
  }

  @Override
  public void close() {
    for (SharedIndexInformer<ConfigMap> i : new SharedIndexInformer[] {named, labelled}) {
      if (i != null) {
        i.close();
      }
    }
  }

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }
}
