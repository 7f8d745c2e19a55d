package io.hubpolicy.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.LaunchService;
import io.hubpolicy.api.OptionsService;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.api.grpc.GrpcApi;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.TokenFile;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.catalog.ConfiguredCatalogs;
import io.hubpolicy.catalog.SizeCatalog;
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
import io.hubpolicy.kube.KubeSettings;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The composition root of the service: settings in, components wired by constructor. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves decisions over HTTP: POST /v1/decisions, GET /v1/decisions/{id}, POST"
          + " /v1/admission (a mutating admission webhook), POST /v1/launches, DELETE"
          + " /v1/launches/{user}, GET /v1/config, /v1/images, /v1/sizes, /v1/options, GET/PUT"
          + " /v1/users/{user}/preferences, /metrics, /healthz, /readyz.",
      "And over gRPC (service hubpolicy.v1.Policy: Decide, Launch, Stop, Options, GetDecision)"
          + " on --grpc-port, with the same bearer tokens and TLS certificate.",
      "Profiles come from files (default) or, with --kube, from ConfigMaps in the cluster,"
          + " watched and reloaded without restart."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--port",
      defaultValue = "${env:HUBPOLICY_PORT:-8080}",
      description = "Port (0: any free). Env: HUBPOLICY_PORT. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--grpc-port",
      defaultValue = "${env:HUBPOLICY_GRPC_PORT:-9090}",
      description =
          "gRPC port on the same host (0: any free; negative: no gRPC). Env: HUBPOLICY_GRPC_PORT."
              + " Default: ${DEFAULT-VALUE}.")
  int grpcPort;

  @Option(
      names = "--host",
      defaultValue = "${env:HUBPOLICY_HOST:-127.0.0.1}",
      description = "Address to listen on. Env: HUBPOLICY_HOST. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(
      names = "--audit-log",
      paramLabel = "PATH",
      defaultValue = "${env:HUBPOLICY_AUDIT_LOG:-hubpolicy-audit.jsonl}",
      description =
          "Where each decision is appended as a JSON line; 'none' for no log. Env: HUBPOLICY_AUDIT_LOG. Default: ${DEFAULT-VALUE}.")
  String auditLog;

  @Option(
      names = "--kube",
      defaultValue = "${env:HUBPOLICY_KUBE:-false}",
      description =
          "Read profiles from ConfigMaps (watched), images from ImageStreams, sizes' schedulability"
              + " from Nodes, and keep user preferences in the cluster. Env: HUBPOLICY_KUBE=true.")
  boolean kube;

  @Option(
      names = "--namespace",
      defaultValue = "${env:HUBPOLICY_NAMESPACE}",
      description =
          "Namespace of the ConfigMaps (--kube). Default: the pod's service account namespace,"
              + " else the kubeconfig's. Env: HUBPOLICY_NAMESPACE.")
  String namespace;

  @Option(
      names = "--configmap",
      defaultValue = "${env:HUBPOLICY_CONFIGMAP:-" + KubeSettings.DEFAULT_CONFIGMAP + "}",
      description = "ConfigMap read first. Env: HUBPOLICY_CONFIGMAP. Default: ${DEFAULT-VALUE}.")
  String configMap;

  @Option(
      names = "--configmap-selector",
      defaultValue = "${env:HUBPOLICY_CONFIGMAP_SELECTOR:-" + KubeSettings.DEFAULT_SELECTOR + "}",
      description =
          "Label selector of the ConfigMaps read after it, in name order."
              + " Env: HUBPOLICY_CONFIGMAP_SELECTOR. Default: ${DEFAULT-VALUE}.")
  String selector;

  @Option(
      names = "--configmap-key",
      defaultValue = "${env:HUBPOLICY_CONFIGMAP_KEY:-" + KubeSettings.DEFAULT_KEY + "}",
      description =
          "Key holding the profiles in each ConfigMap (keys ending in .drl are policy rules)."
              + " Env: HUBPOLICY_CONFIGMAP_KEY. Default: ${DEFAULT-VALUE}.")
  String key;

  @Option(
      names = "--configmap-rules",
      defaultValue = "${env:HUBPOLICY_CONFIGMAP_RULES:-false}",
      description =
          "Also load keys ending in .drl of those ConfigMaps as policy rules. Off by default: a"
              + " rule runs Java inside hubpolicy, so this gives ConfigMap editors hubpolicy's"
              + " permissions. Env: HUBPOLICY_CONFIGMAP_RULES.")
  boolean configMapRules;

  @Option(
      names = "--size-headroom",
      defaultValue = "${env:HUBPOLICY_SIZE_HEADROOM:-0.10}",
      description =
          "Share of a node's allocatable CPU and memory kept free when judging whether a size is"
              + " schedulable. Env: HUBPOLICY_SIZE_HEADROOM. Default: ${DEFAULT-VALUE}.")
  double headroom;

  @Option(
      names = "--service-wait",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_SERVICE_WAIT:-60}",
      description =
          "How long a launch waits for its services' return values (a controller may fill them in"
              + " later) before it fails and deletes what it created. Env: HUBPOLICY_SERVICE_WAIT."
              + " Default: ${DEFAULT-VALUE}.")
  double serviceWait;

  @Option(
      names = "--token-file",
      paramLabel = "PATH",
      defaultValue = "${env:HUBPOLICY_TOKEN_FILE:-hubpolicy.token}",
      description =
          "Bearer tokens every /v1 and gRPC call must present, one per line (re-read when it"
              + " changes). If the file does not exist, a random token is written to it. Env:"
              + " HUBPOLICY_TOKEN_FILE. Default: ${DEFAULT-VALUE}.")
  Path tokenFile;

  @Option(
      names = "--token-secret",
      paramLabel = "NAME[/KEY]",
      defaultValue = "${env:HUBPOLICY_TOKEN_SECRET}",
      description =
          "With --kube: take the tokens from this Secret's key (default key: token) instead of"
              + " --token-file; re-read every 15 s. Env: HUBPOLICY_TOKEN_SECRET.")
  String tokenSecret;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      defaultValue = "${env:HUBPOLICY_TLS_CERT}",
      description =
          "Serve HTTPS (and TLS gRPC) with this certificate chain (e.g. a mounted tls.crt)."
              + " Env: HUBPOLICY_TLS_CERT.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      defaultValue = "${env:HUBPOLICY_TLS_KEY}",
      description = "The certificate's private key (e.g. tls.key). Env: HUBPOLICY_TLS_KEY.")
  Path tlsKey;

  @Option(
      names = "--admission-without-token",
      defaultValue = "${env:HUBPOLICY_ADMISSION_WITHOUT_TOKEN:-false}",
      description =
          "Let POST "
              + HttpApi.ADMISSION_PATH
              + " through without a bearer token, for API servers that cannot present one"
              + " (managed clusters). Anyone who can reach the port can then ask for pods'"
              + " patches: restrict it with a NetworkPolicy. Env:"
              + " HUBPOLICY_ADMISSION_WITHOUT_TOKEN.")
  boolean admissionWithoutToken;

  @Option(
      names = "--watch",
      negatable = true,
      defaultValue = "${env:HUBPOLICY_WATCH:-true}",
      fallbackValue = "true",
      description =
          "Without --kube: reload when a --profiles or --rules file changes (a bad change is"
              + " rejected and the last good configuration keeps serving). On by default;"
              + " --no-watch reads them once. Env: HUBPOLICY_WATCH.")
  boolean watch;

  @Mixin ConfigOptions config;

  /** How often watched files are read even without a change event (network file systems). */
  static final Duration FILE_RECHECK = Duration.ofSeconds(10);

  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** A started service: its port, and how to stop it. */
  record Running(int port, DecisionEngine engine, Runnable stop) {}

  @Override
  public Integer call() throws Exception {
    Running running = start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running.stop().run();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return Main.OK;
  }

  /** A setting's value, or a {@link SettingException} naming the option. */
  private static <T> T setting(String option, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new SettingException(option, e.getMessage());
    }
  }

  Running start() throws Exception {
    TlsFiles tls = setting("--tls-cert/--tls-key", () -> TlsFiles.of(tlsCert, tlsKey));
    if (tokenSecret != null && !tokenSecret.isBlank() && !kube) {
      throw new SettingException(
          "--token-secret",
          "reads a Secret from the cluster: it needs --kube (or use --token-file)");
    }
    Tokens tokens = null;
    if (tokenSecret == null || tokenSecret.isBlank()) {
      TokenFile.Created file = setting("--token-file", () -> TokenFile.readOrCreate(tokenFile));
      tokens = file.tokens();
      if (file.created()) {
        LOG.warn(
            "no token configured: wrote a new random token to {}; every /v1 and gRPC call must"
                + " send 'Authorization: Bearer <that token>'",
            tokenFile.toAbsolutePath());
      }
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Heap, GC pauses, threads and CPU next to hubpolicy's own metrics: what capacity planning
    // and the memory benchmark look at.
    new JvmMemoryMetrics().bindTo(meters);
    JvmGcMetrics gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(meters);
    closeables.add(gcMetrics);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    AuditLog audit = "none".equals(auditLog) ? AuditLog.NONE : AuditLog.toFile(Path.of(auditLog));
    DecisionEngine engine;
    PolicyReloader reloader;
    PreferenceStore preferences;
    ImageCatalog images = null;
    NodeCatalog nodes = NodeCatalog.none();
    String where;
    String servicesNamespace = namespace != null && !namespace.isBlank() ? namespace : "default";
    TemplateSource clusterTemplates = null;
    ServiceLauncher launcher = null;
    if (kube) {
      List<Problem> problems = new ArrayList<>();
      List<RuleSource> fileRules = RuleSource.fromPaths(config.rulePaths(), problems);
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
      KubernetesClient client = new KubernetesClientBuilder().build();
      closeables.add(client);
      String ns = namespace != null && !namespace.isBlank() ? namespace : client.getNamespace();
      if (ns == null || ns.isBlank()) {
        throw new picocli.CommandLine.ParameterException(
            new picocli.CommandLine(this),
            "--kube needs a namespace: pass --namespace or set HUBPOLICY_NAMESPACE"
                + " (in a pod, the service account's namespace is used)");
      }
      engine = new DecisionEngine(null);
      reloader = new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC());
      ProfileConfigMaps watcher =
          new ProfileConfigMaps(
              client,
              new KubeSettings(ns, configMap, selector, key, configMapRules),
              fileRules,
              reloader);
      closeables.add(watcher);
      LOG.info(
          "reading profiles from {} at {}: ConfigMap {} then those labelled {} (key {})",
          client.getMasterUrl(),
          ns,
          configMap,
          selector,
          key);
      watcher.start();
      ConfigMapPreferenceStore store = new ConfigMapPreferenceStore(client, ns);
      store.start();
      closeables.add(store);
      preferences = store;
      images = new ImageCatalog(client, ns);
      images.start();
      closeables.add(images);
      nodes = new NodeCatalog(client).start();
      closeables.add(nodes);
      ClusterTemplates templates = new ClusterTemplates(client, ns);
      closeables.add(templates);
      clusterTemplates = templates;
      launcher =
          new ServiceLauncher(
              new KubeResources(client, ns), Duration.ofMillis((long) (serviceWait * 1000)));
      servicesNamespace = ns;
      where = "namespace " + ns;
      if (tokenSecret != null && !tokenSecret.isBlank()) {
        SecretTokens secretTokens =
            setting("--token-secret", () -> SecretTokens.of(client, ns, tokenSecret));
        closeables.add(secretTokens);
        tokens = secretTokens;
      }
    } else {
      RuleBase rb = config.build();
      engine = new DecisionEngine(rb);
      reloader = new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC());
      LOG.info(
          "rule base {}: {} profiles, {} sizes from {}; rules from {}",
          rb.revision(),
          rb.config().profiles().size(),
          rb.sizes().size(),
          rb.config().sources(),
          rb.ruleSources());
      // Without a cluster, preferences live as long as the process: enough to try the form.
      preferences = new InMemoryPreferenceStore();
      where = "files";
    }
    closeables.add(reloader);
    if (!kube && watch) {
      // Closed before the reloader it submits to (closeables close in reverse).
      closeables.add(
          ConfigFiles.watch(config.profilePaths(), config.rulePaths(), reloader, FILE_RECHECK));
    }
    LOG.info("/v1 endpoints and gRPC calls require a bearer token from {}", tokens.describe());
    if (admissionWithoutToken) {
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
    BearerAuth auth = new BearerAuth(tokens);
    DecisionEngine current = engine;
    TemplateSource configured =
        TemplateSource.configured(
            () -> {
              RuleBase rb = current.ruleBaseOrNull();
              return rb == null ? ServiceTemplates.none() : rb.config().templates();
            });
    ServicePlanner planner =
        new ServicePlanner(
            new TemplateRenderer(),
            clusterTemplates == null ? configured : clusterTemplates.orElse(configured));
    DecisionService decisions =
        new DecisionService(engine, new PodMutator(), audit, preferences)
            .withServices(planner, servicesNamespace, kube);
    ConfiguredCatalogs catalogs = new ConfiguredCatalogs(images, new SizeCatalog(nodes, headroom));
    PreferencesService prefs =
        new PreferencesService(preferences, engine, () -> catalogs.imageNames(engine.ruleBase()));
    LaunchService launches = new LaunchService(decisions, launcher, meters);
    HttpApi http =
        new HttpApi(new HttpApi.Parts(decisions, prefs, catalogs, reloader, meters, launches))
            .requireToken(auth, admissionWithoutToken ? Set.of(HttpApi.ADMISSION_PATH) : Set.of())
            .tls(tls);
    if (grpcPort >= 0) {
      GrpcApi grpc =
          new GrpcApi(decisions, launches, new OptionsService(decisions, catalogs, prefs))
              .requireToken(auth)
              .tls(tls);
      int grpcActual = grpc.start(host, grpcPort);
      closeables.add(grpc::stop);
      // Tests and scripts read this line; it comes before the "serving on" line they wait for.
      System.out.println(
          "hubpolicy gRPC on "
              + host
              + ":"
              + grpcActual
              + (tls != null ? " (TLS)" : " (plaintext)"));
    }
    int actual = http.start(host, port);
    RuleBase loaded = engine.ruleBaseOrNull();
    // Tests and scripts wait for this exact line.
    System.out.println(
        "hubpolicy serving on "
            + (tls != null ? "https" : "http")
            + "://"
            + host
            + ":"
            + actual
            + (loaded != null
                ? " (revision " + loaded.revision() + ")"
                : " (configuration from " + where + " still loading; /readyz says when)"));
    System.out.flush();
    return new Running(
        actual,
        engine,
        () -> {
          http.stop();
          for (int i = closeables.size() - 1; i >= 0; i--) {
            AutoCloseable c = closeables.get(i);
            try {
              c.close();
            } catch (Exception e) {
              LOG.debug("closing {}", c, e);
            }
          }
          audit.close();
        });
  }
}
