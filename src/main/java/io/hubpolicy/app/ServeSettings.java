package io.hubpolicy.app;

import io.hubpolicy.audit.AuditSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of {@code serve}, typed, read once from flags and environment (see the {@code
 * serve} command for each one's flag, variable and default) and logged once at start by {@link
 * #describe}. Holds no secret: tokens are read from the files or Secret it names, never kept here.
 */
public record ServeSettings(
    String host,
    int port,
    int grpcPort,
    AuditSettings audit,
    boolean watch,
    List<Path> profiles,
    List<Path> rules,
    String namespace,
    Cluster cluster,
    Security security,
    double sizeHeadroom,
    Duration serviceWait,
    String hubInstance,
    Ui ui,
    Leadership leadership,
    Drain drain,
    Path rulesCache) {

  /**
   * @param hubInstance the hub deployment's instance name (KubeTemplateSpawner's {@code
   *     instance_name}): the {@code instance} template variable and the {@code
   *     app.kubernetes.io/instance} label of every launched object
   * @param rulesCache where compiled rules are kept between starts; null: none, rules are compiled
   *     at every start
   */
  public ServeSettings {
    profiles = List.copyOf(profiles);
    rules = List.copyOf(rules);
  }

  /**
   * Where the configuration lives in a cluster, or null for file mode. Its namespace is {@link
   * #namespace}, or the service account's, else the kubeconfig's.
   */
  public record Cluster(
      String configMap,
      String selector,
      String key,
      boolean rulesFromConfigMaps,
      String tokenSecret) {}

  /**
   * Who may call, and over what.
   *
   * @param tlsCert null with tlsKey null: plain HTTP and gRPC
   * @param tokenSecret null: tokens from {@code tokenFile}
   */
  public record Security(
      Path tokenFile,
      String tokenSecret,
      Path tlsCert,
      Path tlsKey,
      boolean admissionWithoutToken) {}

  /**
   * The console at {@code /ui/}.
   *
   * @param hubUrl the hub as browsers reach it; null: no hub login (the bearer token only)
   * @param hubApiUrl the hub's API as hubpolicy reaches it; null: {@code hubUrl + /hub/api}
   * @param clientId the OAuth client id the hub knows hubpolicy's service by
   * @param clientSecretFile holds the client secret (the service's api_token); null: the secret is
   *     in the environment variable {@code HUBPOLICY_UI_CLIENT_SECRET}
   * @param callbackUrl the registered {@code oauth_redirect_uri}; null: derived from the request
   * @param groups hub groups whose members may log in, besides hub admins
   */
  public record Ui(
      boolean enabled,
      String hubUrl,
      String hubApiUrl,
      String clientId,
      Path clientSecretFile,
      String callbackUrl,
      List<String> groups) {
    public Ui {
      groups = List.copyOf(groups);
    }

    /** The console with the token login only. */
    public static final Ui TOKEN_ONLY = new Ui(true, null, null, null, null, null, List.of());
  }

  /**
   * The leader election and the clean-up its leader runs (cluster mode), or null for neither.
   *
   * @param leaseNamespace null: {@link #namespace}
   * @param identity this replica's name in the Lease (the pod name plus a random part)
   * @param grace how long a user server must have had no notebook pod before its services end
   * @param notebookNamespace where the hub's notebook pods are; null: {@link #namespace}
   * @param podSelector the labels of a notebook pod
   */
  public record Leadership(
      String leaseName,
      String leaseNamespace,
      Duration leaseDuration,
      String identity,
      Duration grace,
      Duration interval,
      String notebookNamespace,
      java.util.Map<String, String> podSelector) {
    public Leadership {
      podSelector = java.util.Map.copyOf(podSelector);
    }
  }

  /**
   * What a SIGTERM does: {@code /readyz} fails at once, requests keep being answered for {@code
   * delay} (connections the Service routed here before it noticed), then no new connection is
   * accepted and those in flight finish; everything has stopped by {@code grace}.
   */
  public record Drain(Duration delay, Duration grace) {}

  public boolean kube() {
    return cluster != null;
  }

  public boolean grpc() {
    return grpcPort >= 0;
  }

  /** One line for the log: what this process will do, without anything secret. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    parts.add("listen " + host + ":" + port);
    parts.add(grpc() ? "gRPC " + host + ":" + grpcPort : "no gRPC");
    parts.add("TLS " + (security.tlsCert() == null ? "off" : security.tlsCert()));
    parts.add(
        "tokens from "
            + (security.tokenSecret() != null
                ? "Secret " + security.tokenSecret()
                : "file " + security.tokenFile()));
    if (security.admissionWithoutToken()) {
      parts.add("admission without token");
    }
    parts.add(audit.describe());
    if (kube()) {
      parts.add(
          "cluster mode: namespace "
              + (namespace == null ? "(service account's)" : namespace)
              + ", ConfigMap "
              + cluster.configMap()
              + " then "
              + cluster.selector()
              + " (key "
              + cluster.key()
              + (cluster.rulesFromConfigMaps() ? ", .drl keys as rules" : "")
              + ")");
    } else {
      parts.add("file mode: profiles " + profiles + (watch ? ", watched" : ", read once"));
    }
    parts.add("rules " + rules);
    parts.add(rulesCache == null ? "no rules cache" : "rules cache " + rulesCache);
    parts.add("size headroom " + sizeHeadroom);
    parts.add("service wait " + serviceWait.toMillis() / 1000.0 + " s");
    parts.add("hub instance " + hubInstance);
    parts.add(
        !ui.enabled()
            ? "no console"
            : ui.hubUrl() == null
                ? "console /ui/ (token login)"
                : "console /ui/ (token login; hub login at "
                    + ui.hubUrl()
                    + " as "
                    + ui.clientId()
                    + (ui.groups().isEmpty() ? ", hub admins" : ", hub admins and " + ui.groups())
                    + ")");
    if (leadership != null) {
      parts.add(
          "leader election on Lease "
              + (leadership.leaseNamespace() == null
                  ? "(namespace's)"
                  : leadership.leaseNamespace())
              + "/"
              + leadership.leaseName()
              + " ("
              + leadership.leaseDuration().toSeconds()
              + " s) as "
              + leadership.identity()
              + ", clean-up every "
              + leadership.interval().toSeconds()
              + " s of servers without a pod ("
              + leadership.podSelector()
              + ") for "
              + leadership.grace().toSeconds()
              + " s");
    } else {
      parts.add("no leader election");
    }
    parts.add(
        "on SIGTERM: serve "
            + drain.delay().toMillis() / 1000.0
            + " s more, stop within "
            + drain.grace().toMillis() / 1000.0
            + " s");
    return String.join("; ", parts);
  }

  /** {@code a=b,c=d} as labels; what a Kubernetes equality selector looks like. */
  public static java.util.Map<String, String> labels(String option, String text) {
    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
    for (String part : text.split(",")) {
      String p = part.strip();
      int eq = p.indexOf('=');
      if (eq <= 0 || p.indexOf('=', eq + 1) >= 0) {
        throw new SettingException(
            option, "wants KEY=VALUE pairs separated by commas; got '" + text + "'");
      }
      labels.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
    }
    return labels;
  }
}
