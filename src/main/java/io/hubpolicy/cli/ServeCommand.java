package io.hubpolicy.cli;

import io.hubpolicy.api.HttpApi;
import io.hubpolicy.app.ServeSettings;
import io.hubpolicy.app.SettingException;
import io.hubpolicy.app.Wiring;
import io.hubpolicy.kube.ProfileConfigMaps;
import io.hubpolicy.services.ServiceNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code serve}: its flags and environment variables, read into {@link ServeSettings} and handed to
 * the composition root, {@link Wiring}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves decisions over HTTP: POST /v1/decisions, GET /v1/decisions (search),"
          + " GET /v1/decisions/{id}, POST"
          + " /v1/admission (a mutating admission webhook), POST /v1/launches, DELETE"
          + " /v1/launches/{user}, GET /v1/config, /v1/images, /v1/sizes, /v1/options, GET/PUT"
          + " /v1/users/{user}/preferences, /metrics, /healthz, /readyz.",
      "And over gRPC (service hubpolicy.v1.Policy: Decide, Launch, Stop, Options, Preview,"
          + " GetDecision, ListDecisions)"
          + " on --grpc-port, with the same bearer tokens and TLS certificate.",
      "Profiles come from files (default) or, with --kube, from ConfigMaps in the cluster,"
          + " watched and reloaded without restart."
    })
final class ServeCommand implements Callable<Integer> {

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
      defaultValue =
          "${env:HUBPOLICY_CONFIGMAP:-" + ProfileConfigMaps.Where.DEFAULT_CONFIGMAP + "}",
      description = "ConfigMap read first. Env: HUBPOLICY_CONFIGMAP. Default: ${DEFAULT-VALUE}.")
  String configMap;

  @Option(
      names = "--configmap-selector",
      defaultValue =
          "${env:HUBPOLICY_CONFIGMAP_SELECTOR:-" + ProfileConfigMaps.Where.DEFAULT_SELECTOR + "}",
      description =
          "Label selector of the ConfigMaps read after it, in name order."
              + " Env: HUBPOLICY_CONFIGMAP_SELECTOR. Default: ${DEFAULT-VALUE}.")
  String selector;

  @Option(
      names = "--configmap-key",
      defaultValue = "${env:HUBPOLICY_CONFIGMAP_KEY:-" + ProfileConfigMaps.Where.DEFAULT_KEY + "}",
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
      names = "--hub-instance",
      paramLabel = "NAME",
      defaultValue = "${env:HUBPOLICY_HUB_INSTANCE:-" + ServiceNames.DEFAULT_HUB_INSTANCE + "}",
      description =
          "The hub deployment's instance name, as KubeTemplateSpawner's instance_name: the"
              + " 'instance' variable of service templates and the app.kubernetes.io/instance"
              + " label of every object a launch creates. Env: HUBPOLICY_HUB_INSTANCE. Default:"
              + " ${DEFAULT-VALUE} (KubeTemplateSpawner's).")
  String hubInstance;

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

  @Option(
      names = "--ui",
      negatable = true,
      defaultValue = "${env:HUBPOLICY_UI:-true}",
      fallbackValue = "true",
      description =
          "Serve the web console at /ui/ (what-if, history, configuration, diff), for holders of"
              + " a bearer token and, with --ui-hub-url, hub admins. On by default; --no-ui turns"
              + " it off. Env: HUBPOLICY_UI.")
  boolean ui;

  @Option(
      names = "--ui-hub-url",
      paramLabel = "URL",
      defaultValue = "${env:HUBPOLICY_UI_HUB_URL}",
      description =
          "Let hub admins log in to the console with JupyterHub (hubpolicy registered as a hub"
              + " service with oauth_redirect_uri .../ui/oauth/callback): the hub as browsers"
              + " reach it, e.g. https://hub.example.com. Env: HUBPOLICY_UI_HUB_URL.")
  String uiHubUrl;

  @Option(
      names = "--ui-hub-api-url",
      paramLabel = "URL",
      defaultValue = "${env:HUBPOLICY_UI_HUB_API_URL}",
      description =
          "The hub's API as hubpolicy reaches it (token exchange, /user), e.g."
              + " http://hub:8081/hub/api. Default: --ui-hub-url + /hub/api."
              + " Env: HUBPOLICY_UI_HUB_API_URL.")
  String uiHubApiUrl;

  @Option(
      names = "--ui-client-id",
      paramLabel = "ID",
      defaultValue = "${env:HUBPOLICY_UI_CLIENT_ID:-service-hubpolicy}",
      description =
          "The OAuth client id of hubpolicy's hub service (JupyterHub's default: service-<name>)."
              + " Default service-hubpolicy. Env: HUBPOLICY_UI_CLIENT_ID.")
  String uiClientId;

  @Option(
      names = "--ui-client-secret-file",
      paramLabel = "PATH",
      defaultValue = "${env:HUBPOLICY_UI_CLIENT_SECRET_FILE}",
      description =
          "A file holding the OAuth client secret: the service's api_token in the hub's"
              + " configuration. Without it the secret is read from the environment variable"
              + " HUBPOLICY_UI_CLIENT_SECRET. Env: HUBPOLICY_UI_CLIENT_SECRET_FILE.")
  Path uiClientSecretFile;

  @Option(
      names = "--ui-callback-url",
      paramLabel = "URL",
      defaultValue = "${env:HUBPOLICY_UI_CALLBACK_URL}",
      description =
          "The service's oauth_redirect_uri as registered with the hub. Default: this server's"
              + " /ui/oauth/callback as the browser addressed it. Env: HUBPOLICY_UI_CALLBACK_URL.")
  String uiCallbackUrl;

  @Option(
      names = "--ui-hub-group",
      paramLabel = "GROUP",
      split = ",",
      defaultValue = "${env:HUBPOLICY_UI_HUB_GROUPS}",
      description =
          "A hub group whose members may log in to the console too (repeatable, or"
              + " comma-separated); hub admins always may. They also need access to the service"
              + " in the hub (a role with access:services!service=NAME)."
              + " Env: HUBPOLICY_UI_HUB_GROUPS.")
  List<String> uiHubGroups = new ArrayList<>();

  @Option(
      names = "--rules-cache",
      paramLabel = "DIR",
      defaultValue = "${env:HUBPOLICY_RULES_CACHE}",
      description =
          "Keep compiled rules in this directory and read them from it at the next start with the"
              + " same rules, hubpolicy build and Java (a faster start; the image fills one at"
              + " build time). It must be writable only by hubpolicy, like its jar. Read-only is"
              + " fine; default none: rules are compiled at every start. Env:"
              + " HUBPOLICY_RULES_CACHE.")
  Path rulesCache;

  @Option(
      names = "--drain-delay",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_DRAIN_DELAY}",
      description =
          "After SIGTERM, /readyz fails at once but requests are still answered for this long"
              + " (clients the Service sent here before it noticed), then new connections are"
              + " refused. Default: 5 in a Kubernetes pod (KUBERNETES_SERVICE_HOST set), else 0."
              + " Env: HUBPOLICY_DRAIN_DELAY.")
  Double drainDelay;

  @Option(
      names = "--shutdown-grace",
      paramLabel = "SECONDS",
      defaultValue = "${env:HUBPOLICY_SHUTDOWN_GRACE:-25}",
      description =
          "After SIGTERM the process has exited within this long, requests in flight cut off if"
              + " they must be; keep it below the pod's terminationGracePeriodSeconds (30)."
              + " Env: HUBPOLICY_SHUTDOWN_GRACE. Default: ${DEFAULT-VALUE}.")
  double shutdownGrace;

  @Mixin ConfigOptions config;

  @Mixin LeaderOptions leader;

  @Mixin AuditOptions audit;

  @Override
  public Integer call() throws Exception {
    ServeSettings settings = settings();
    Wiring.Running running = Wiring.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  watchdog(settings.drain().grace());
                  running.stop().run();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return Main.OK;
  }

  Wiring.Running start() {
    return Wiring.start(settings());
  }

  /**
   * Ends the process at {@code grace} after the signal whatever still runs, so that it has exited
   * before the kubelet's SIGKILL and says why.
   */
  private static void watchdog(Duration grace) {
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(grace.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              System.err.println(
                  "hubpolicy: still stopping after the shutdown grace of "
                      + grace.toMillis() / 1000.0
                      + " s; exiting now");
              Runtime.getRuntime().halt(1);
            },
            "shutdown-watchdog");
    t.setDaemon(true);
    t.start();
  }

  /** The flags and environment as one typed record; checks what can be checked without I/O. */
  ServeSettings settings() {
    String ns = blankToNull(namespace);
    String secret = blankToNull(tokenSecret);
    if (secret != null && !kube) {
      throw new SettingException(
          "--token-secret",
          "reads a Secret from the cluster: it needs --kube (or use --token-file)");
    }
    Wiring.setting(
        "--hub-instance",
        () -> {
          ServiceNames.checkHubInstance(hubInstance);
          return hubInstance;
        });
    return new ServeSettings(
        host,
        port,
        grpcPort,
        audit.settings(),
        watch,
        config.profilePaths(),
        config.rulePaths(),
        ns,
        kube ? new ServeSettings.Cluster(configMap, selector, key, configMapRules, secret) : null,
        new ServeSettings.Security(tokenFile, secret, tlsCert, tlsKey, admissionWithoutToken),
        headroom,
        Duration.ofMillis((long) (serviceWait * 1000)),
        hubInstance,
        new ServeSettings.Ui(
            ui,
            blankToNull(uiHubUrl),
            blankToNull(uiHubApiUrl),
            uiClientId,
            uiClientSecretFile,
            blankToNull(uiCallbackUrl),
            uiHubGroups == null
                ? List.of()
                : uiHubGroups.stream().map(String::strip).filter(g -> !g.isEmpty()).toList()),
        kube && leader.leaderElection ? leader.settings() : null,
        drain(),
        rulesCache);
  }

  private ServeSettings.Drain drain() {
    double delay =
        drainDelay != null ? drainDelay : System.getenv("KUBERNETES_SERVICE_HOST") != null ? 5 : 0;
    Duration d = seconds("--drain-delay", delay, 0);
    Duration grace = seconds("--shutdown-grace", shutdownGrace, 0.1);
    if (d.compareTo(grace) >= 0) {
      throw new SettingException(
          "--drain-delay",
          "must be less than --shutdown-grace ("
              + shutdownGrace
              + " s), or nothing in flight has time to finish; got "
              + delay);
    }
    return new ServeSettings.Drain(d, grace);
  }

  static Duration seconds(String option, double value, double min) {
    if (!(value >= min) || Double.isInfinite(value)) {
      throw new SettingException(
          option, "must be a number of seconds of at least " + min + "; got " + value);
    }
    return Duration.ofMillis((long) (value * 1000));
  }

  static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
