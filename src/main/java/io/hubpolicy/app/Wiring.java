package io.hubpolicy.app;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.hubpolicy.api.AdmissionService;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.LaunchService;
import io.hubpolicy.api.ListenException;
import io.hubpolicy.api.OptionsService;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.api.grpc.GrpcApi;
import io.hubpolicy.audit.AuditSettings;
import io.hubpolicy.audit.AuditSinks;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.TokenFile;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.catalog.ConfiguredCatalogs;
import io.hubpolicy.catalog.ImageSource;
import io.hubpolicy.catalog.NodeSource;
import io.hubpolicy.catalog.SizeCatalog;
import io.hubpolicy.engine.Background;
import io.hubpolicy.engine.CompiledRulesCache;
import io.hubpolicy.engine.ConfigFiles;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.kube.ClusterTemplates;
import io.hubpolicy.kube.ConfigMapPreferenceStore;
import io.hubpolicy.kube.ImageCatalog;
import io.hubpolicy.kube.KubeResources;
import io.hubpolicy.kube.LeaderElection;
import io.hubpolicy.kube.NodeCatalog;
import io.hubpolicy.kube.ProfileConfigMaps;
import io.hubpolicy.kube.SecretTokens;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.preferences.InMemoryPreferenceStore;
import io.hubpolicy.preferences.PreferenceStore;
import io.hubpolicy.preferences.PreferencesService;
import io.hubpolicy.services.Launcher;
import io.hubpolicy.services.OrphanReconciler;
import io.hubpolicy.services.ServiceLauncher;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.TemplateRenderer;
import io.hubpolicy.services.TemplateSource;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of {@code serve}: every part is built here, by constructor, once. File mode
 * and cluster mode are two functions that return the same {@link Parts}; everything after is wired
 * the same way for both, and a feature a mode lacks is a null object in its part (no cluster: a
 * launcher that refuses, nodes that are unknown), never a null the edges check.
 */
public final class Wiring {
  private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

  /** How often watched files are read even without a change event (network file systems). */
  static final Duration FILE_RECHECK = Duration.ofSeconds(10);

  private Wiring() {}

  /** What a mode provides: where configuration, images, nodes, templates and tokens come from. */
  record Parts(
      DecisionEngine engine,
      PolicyReloader reloader,
      PreferenceStore preferences,
      ImageSource images,
      NodeSource nodes,
      TemplateSource clusterTemplates,
      Launcher launcher,
      Tokens tokens,
      boolean planReadsCluster,
      String where,
      Leader leader,
      Runnable ready) {}

  /** A started service: its port, and how to stop it. */
  public record Running(int port, DecisionEngine engine, Runnable stop) {}

  /** Closes what was opened, newest first; what is closed first must not need what closes later. */
  static final class Closer {
    private final List<AutoCloseable> opened = new ArrayList<>();

    <T extends AutoCloseable> T add(T c) {
      opened.add(c);
      return c;
    }

    void closeAll() {
      for (int i = opened.size() - 1; i >= 0; i--) {
        AutoCloseable c = opened.get(i);
        try {
          c.close();
        } catch (Exception e) {
          LOG.debug("closing {}", c, e);
        }
      }
      opened.clear();
    }
  }

  /**
   * Profiles and rules from files, watched unless {@code --no-watch}; no cluster. The configuration
   * is being read by {@code first}; {@link Parts#ready} waits for it, puts it in the engine and
   * starts the watch (so a change is never built before the first configuration).
   */
  static Parts fileMode(
      ServeSettings s,
      RuleBaseBuilder builder,
      Background<RuleBase> first,
      PrometheusMeterRegistry meters,
      Closer closer) {
    // One builder for the start and the reloads: a reload that leaves the rules as they are
    // reuses the rules compiled (or read from the cache) at the start.
    DecisionEngine engine = new DecisionEngine(null);
    PolicyReloader reloader =
        closer.add(new PolicyReloader(engine, builder, meters, Clock.systemUTC()));
    Runnable ready =
        () -> {
          RuleBase rb = first.join();
          reloader.started(rb);
          if (s.watch()) {
            // Closed before the reloader it submits to.
            closer.add(
                setting(
                    "--watch",
                    () -> {
                      try {
                        return ConfigFiles.watch(s.profiles(), s.rules(), reloader, FILE_RECHECK);
                      } catch (IOException e) {
                        throw new UncheckedIOException("cannot watch the configuration files", e);
                      }
                    }));
          }
          LOG.info(
              "rule base {}: {} profiles, {} sizes from {}; rules from {}",
              rb.revision(),
              rb.config().profiles().size(),
              rb.sizes().size(),
              rb.config().sources(),
              rb.ruleSources());
        };
    return new Parts(
        engine,
        reloader,
        // Without a cluster, preferences live as long as the process: enough to try the form.
        new InMemoryPreferenceStore(),
        ImageSource.PROFILES,
        NodeSource.NONE,
        TemplateSource.NONE,
        Launcher.none(s.namespace() == null ? "default" : s.namespace()),
        tokenFile(s.security().tokenFile()),
        false,
        "files",
        Leader.NONE,
        ready);
  }

  /** Profiles from ConfigMaps (watched), images, nodes, preferences and services in the cluster. */
  static Parts clusterMode(ServeSettings s, PrometheusMeterRegistry meters, Closer closer) {
    List<Problem> problems = new ArrayList<>();
    List<RuleSource> fileRules = RuleSource.fromPaths(s.rules(), problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    KubernetesClient client = closer.add(new KubernetesClientBuilder().build());
    ServeSettings.Cluster c = s.cluster();
    String ns = s.namespace() != null ? s.namespace() : client.getNamespace();
    if (ns == null || ns.isBlank()) {
      throw new SettingException(
          "--namespace",
          "--kube needs a namespace: pass --namespace or set HUBPOLICY_NAMESPACE"
              + " (in a pod, the service account's namespace is used)");
    }
    DecisionEngine engine = new DecisionEngine(null);
    PolicyReloader reloader =
        closer.add(
            new PolicyReloader(
                engine, new RuleBaseBuilder(rulesCache(s)), meters, Clock.systemUTC()));
    ProfileConfigMaps watcher =
        closer.add(
            new ProfileConfigMaps(
                client,
                new ProfileConfigMaps.Where(
                    ns, c.configMap(), c.selector(), c.key(), c.rulesFromConfigMaps()),
                fileRules,
                reloader));
    LOG.info(
        "reading profiles from {} at {}: ConfigMap {} then those labelled {} (key {})",
        client.getMasterUrl(),
        ns,
        c.configMap(),
        c.selector(),
        c.key());
    watcher.start();
    ConfigMapPreferenceStore preferences = closer.add(new ConfigMapPreferenceStore(client, ns));
    preferences.start();
    ImageCatalog images = closer.add(new ImageCatalog(client, ns));
    images.start();
    NodeCatalog nodes = closer.add(new NodeCatalog(client)).start();
    ClusterTemplates templates = closer.add(new ClusterTemplates(client, ns));
    Tokens tokens =
        c.tokenSecret() == null
            ? tokenFile(s.security().tokenFile())
            : closer.add(
                setting("--token-secret", () -> SecretTokens.of(client, ns, c.tokenSecret())));
    ServiceLauncher launcher = new ServiceLauncher(new KubeResources(client, ns), s.serviceWait());
    return new Parts(
        engine,
        reloader,
        preferences,
        images,
        nodes,
        templates,
        launcher,
        tokens,
        true,
        "namespace " + ns,
        s.leadership() == null ? Leader.NONE : leader(s, client, ns, launcher, meters, closer),
        // The ConfigMaps arrive through the watch; until then /readyz says not ready.
        () -> {});
  }

  /** The compiled-rules cache of {@code --rules-cache}, or none. */
  static CompiledRulesCache rulesCache(ServeSettings s) {
    return s.rulesCache() == null
        ? CompiledRulesCache.NONE
        : new CompiledRulesCache(s.rulesCache());
  }

  /**
   * Joins the leader election; the leader runs the clean-up of side services whose user server has
   * no notebook pod.
   */
  private static Leader leader(
      ServeSettings s,
      KubernetesClient client,
      String ns,
      ServiceLauncher launcher,
      PrometheusMeterRegistry meters,
      Closer closer) {
    ServeSettings.Leadership l = s.leadership();
    String pods = l.notebookNamespace() != null ? l.notebookNamespace() : ns;
    OrphanReconciler reconciler =
        new OrphanReconciler(
            new KubeResources(client, ns),
            new KubeResources(client, pods),
            l.podSelector(),
            launcher,
            l.grace(),
            Clock.systemUTC());
    OrphanCleanup cleanup = closer.add(new OrphanCleanup(reconciler, l.interval(), meters));
    LeaderElection election =
        closer.add(
            new LeaderElection(
                client,
                new LeaderElection.Lease(
                    l.leaseNamespace() != null ? l.leaseNamespace() : ns,
                    l.leaseName(),
                    l.leaseDuration()),
                l.identity(),
                cleanup));
    election.start();
    return Leader.of(election);
  }

  /** Builds the mode's parts, wires the service on them and starts HTTP (and gRPC). */
  public static Running start(ServeSettings s) {
    TlsFiles tls =
        setting(
            "--tls-cert/--tls-key",
            () -> TlsFiles.of(s.security().tlsCert(), s.security().tlsKey()));
    LOG.info("serve: {}", s.describe());
    Closer closer = new Closer();
    RuleBaseBuilder builder = s.kube() ? null : new RuleBaseBuilder(rulesCache(s));
    // File mode's first configuration is read on a thread of its own while the servers are set up
    // (on two cores, reading the rules and the profiles and loading the servers' classes overlap:
    // BENCHMARKS.md §5); Parts.ready waits for it.
    Background<RuleBase> first =
        s.kube()
            ? null
            : Background.start(
                "config-first-read", () -> builder.buildPaths(s.profiles(), s.rules()));
    try {
      PrometheusMeterRegistry meters = meters(closer);
      AuditLog audit = closer.add(audit(s.audit(), meters));
      Parts p =
          s.kube() ? clusterMode(s, meters, closer) : fileMode(s, builder, first, meters, closer);
      return serve(s, p, tls, meters, audit, closer);
    } catch (RuntimeException e) {
      if (first != null) {
        try {
          // A bad setting and a bad configuration: say both, the configuration first.
          first.join();
        } catch (RuntimeException config) {
          if (config != e) {
            config.addSuppressed(e);
          }
          closer.closeAll();
          throw config;
        }
      }
      closer.closeAll();
      throw e;
    }
  }

  private static Running serve(
      ServeSettings s,
      Parts p,
      TlsFiles tls,
      PrometheusMeterRegistry meters,
      AuditLog audit,
      Closer closer) {
    DecisionEngine engine = p.engine();
    TemplateSource configured =
        TemplateSource.configured(
            () -> {
              RuleBase rb = engine.ruleBaseOrNull();
              return rb == null ? ServiceTemplates.none() : rb.config().templates();
            });
    ServicePlanner planner =
        new ServicePlanner(new TemplateRenderer(), p.clusterTemplates().orElse(configured));
    DecisionService decisions =
        new DecisionService(engine, new PodMutator(), audit, p.preferences())
            .withServices(planner, p.launcher().namespace(), s.hubInstance(), p.planReadsCluster());
    ConfiguredCatalogs catalogs =
        new ConfiguredCatalogs(p.images(), new SizeCatalog(p.nodes(), s.sizeHeadroom()));
    PreferencesService preferences = new PreferencesService(p.preferences(), engine, catalogs);
    PolicyCalls calls =
        new PolicyCalls(
            decisions,
            new LaunchService(decisions, p.launcher(), meters),
            new OptionsService(decisions, catalogs, preferences),
            preferences,
            catalogs,
            new AdmissionService(decisions),
            p.reloader());
    BearerAuth auth = new BearerAuth(p.tokens());
    LOG.info("/v1 endpoints and gRPC calls require a bearer token from {}", p.tokens().describe());
    warnAboutAdmission(s, tls);
    GrpcApi grpc = null;
    if (s.grpc()) {
      grpc = new GrpcApi(calls, auth, tls);
      GrpcApi g = grpc;
      int grpcPort = listen("--grpc-port", () -> g.start(s.host(), s.grpcPort()));
      closer.add((AutoCloseable) g::stop);
      // Tests and scripts read this line; it comes before the "serving on" line they wait for.
      System.out.println(
          "hubpolicy gRPC on "
              + s.host()
              + ":"
              + grpcPort
              + (tls != null ? " (TLS)" : " (plaintext)"));
    }
    HttpApi http =
        new HttpApi(
            calls,
            meters,
            auth,
            s.security().admissionWithoutToken() ? Set.of(HttpApi.ADMISSION_PATH) : Set.of(),
            tls,
            ConsolePages.of(s.ui(), calls, p.tokens(), closer));
    int port = listen("--port", () -> http.start(s.host(), s.port()));
    // Until now the first configuration (file mode) was read alongside; a request before this
    // line is answered 503 as while a cluster's ConfigMaps load, and readiness is not yet given.
    try {
      p.ready().run();
    } catch (RuntimeException | Error e) {
      http.stop(); // the rest is in the closer, which the caller closes
      throw e;
    }
    RuleBase loaded = engine.ruleBaseOrNull();
    // Tests and scripts wait for this exact line.
    System.out.println(
        "hubpolicy serving on "
            + (tls != null ? "https" : "http")
            + "://"
            + s.host()
            + ":"
            + port
            + (loaded != null
                ? " (revision " + loaded.revision() + ")"
                : " (configuration from " + p.where() + " still loading; /readyz says when)"));
    System.out.flush();
    return new Running(port, engine, new GracefulStop(s.drain(), http, grpc, p.leader(), closer));
  }

  private static PrometheusMeterRegistry meters(Closer closer) {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Heap, GC pauses, threads and CPU next to hubpolicy's own metrics: what capacity planning
    // and the memory benchmark look at. Bound on a thread of their own: the JVM's management
    // beans they read are slow to start (~50-100 ms of a start that aims at a second), and no
    // decision waits for them.
    JvmGcMetrics gc = closer.add(new JvmGcMetrics());
    Thread t =
        new Thread(
            () -> {
              new JvmMemoryMetrics().bindTo(meters);
              gc.bindTo(meters);
              new JvmThreadMetrics().bindTo(meters);
              new ProcessorMetrics().bindTo(meters);
              new UptimeMetrics().bindTo(meters);
            },
            "jvm-metrics");
    t.setDaemon(true);
    t.start();
    return meters;
  }

  private static Tokens tokenFile(Path path) {
    TokenFile.Created file = setting("--token-file", () -> TokenFile.readOrCreate(path));
    if (file.created()) {
      LOG.warn(
          "no token configured: wrote a new random token to {}; every /v1 and gRPC call must"
              + " send 'Authorization: Bearer <that token>'",
          path.toAbsolutePath());
    }
    return file.tokens();
  }

  /** The sinks: the file (or stdout, or none) and, with --audit-db, the shared store. */
  private static AuditLog audit(AuditSettings a, PrometheusMeterRegistry meters) {
    return setting(
        a.db() != null ? "--audit-log/--audit-buffer" : "--audit-log",
        () -> {
          try {
            return AuditSinks.open(a, meters);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static void warnAboutAdmission(ServeSettings s, TlsFiles tls) {
    if (s.security().admissionWithoutToken()) {
      LOG.warn(
          "--admission-without-token: {} accepts requests without a token; anyone who can reach"
              + " this port can have pods decided (audited) and read the patches. Allow only the"
              + " API server to reach it (NetworkPolicy)",
          HttpApi.ADMISSION_PATH);
    }
    if (tls == null) {
      LOG.info(
          "serving plain HTTP (no --tls-cert): the Kubernetes API server calls admission webhooks"
              + " only over HTTPS, so {} works here for local use and tests only",
          HttpApi.ADMISSION_PATH);
    }
  }

  /** A setting's value, or a {@link SettingException} naming the option. */
  public static <T> T setting(String option, Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new SettingException(option, e.getMessage());
    }
  }

  /** Starts a listener; a port that cannot be had is the option's fault, not an internal error. */
  private static int listen(String option, Supplier<Integer> start) {
    try {
      return start.get();
    } catch (ListenException e) {
      throw new SettingException(option, e.getMessage());
    }
  }
}
