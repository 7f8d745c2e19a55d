package io.hubpolicy.services;

import io.hubpolicy.model.SafeNames;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names, labels and annotations of the objects hubpolicy launches; one place for each. The labels
 * and the lifecycle annotation are KubeTemplateSpawner's, so that its templates work unchanged and
 * its objects and ours look alike; hubpolicy finds a user server's objects by its own {@link
 * #USER_SERVER} label.
 */
public final class ServiceNames {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "hubpolicy";

  /** The hub deployment's instance name, as KubeTemplateSpawner labels every object. */
  public static final String INSTANCE = "app.kubernetes.io/instance";

  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String ANCHOR_COMPONENT = "service-anchor";

  /** {@code escaped_username}, as KubeTemplateSpawner requires. */
  public static final String USERNAME = "hub.jupyter.org/username";

  /** {@code escaped_servername} (empty for the default server), as KubeTemplateSpawner requires. */
  public static final String SERVERNAME = "hub.jupyter.org/servername";

  /** {@code escaped_user_server}: what a stop selects a user server's objects by. */
  public static final String USER_SERVER = "hubpolicy.io/user-server";

  public static final String SERVICE = "hubpolicy.io/service";
  public static final String LIFECYCLE = "hubpolicy/lifecycle";

  /** KubeTemplateSpawner's lifecycle annotation; same values as ours, read and written alike. */
  public static final String KTS_LIFECYCLE = "kubetemplatespawner/lifecycle";

  /** KubeTemplateSpawner's default {@code instance_name}. */
  public static final String DEFAULT_HUB_INSTANCE = "jupyter";

  /**
   * On an anchor: when the clean-up first saw no notebook pod for its user server (RFC 3339). A
   * launch removes it, so a server that starts again is never measured from an old absence.
   */
  public static final String MISSING_SINCE = "hubpolicy.io/server-missing-since";

  /**
   * Annotations with the raw user and server names, under the keys KubeSpawner gives its pods (its
   * labels' escaping changed between versions; these did not), so the clean-up can match them.
   */
  public static final String RAW_USERNAME = "hub.jupyter.org/username";

  public static final String RAW_SERVERNAME = "hub.jupyter.org/servername";

  /** Anchor data key listing the kinds launched under it, one {@code apiVersion kind} per line. */
  public static final String ANCHOR_KINDS_KEY = "kinds";

  private static final int MAX_NAME = 63;

  private ServiceNames() {}

  /**
   * The template's name if it already names this user server. Otherwise a named server's slug is
   * added to a name that has the user's ({@code spark-alice} becomes {@code spark-alice--gpu}, as
   * KubeSpawner names pods), and any other name gets the user server appended. Cut to a DNS label
   * so that any kind (a Service too) accepts it.
   */
  public static String objectName(String rendered, ServiceTarget target) {
    String userServer = target.userServer();
    if (rendered.contains(userServer) && rendered.length() <= MAX_NAME) {
      return rendered;
    }
    if (!target.server().isEmpty() && rendered.contains(target.userSlug())) {
      String serverSlug = target.serverSlug();
      String named = rendered + "--" + serverSlug;
      if (userServer.equals(target.userSlug() + "--" + serverSlug) && named.length() <= MAX_NAME) {
        return named;
      }
    }
    String base = rendered;
    int room = MAX_NAME - userServer.length() - 1;
    if (base.length() > room) {
      base = base.substring(0, room);
    }
    base = base.replaceAll("[^a-z0-9]+$", "");
    return base.isEmpty() ? userServer : base + "-" + userServer;
  }

  /** The ConfigMap every object of one user server is owned by. */
  public static String anchorName(ServiceTarget target) {
    return anchorName(target.userServer());
  }

  /** The anchor of the user server {@code userServer} ({@code escaped_user_server}). */
  public static String anchorName(String userServer) {
    return "hubpolicy-services-" + userServer;
  }

  /**
   * Labels every object gets; they win over a template's own. KubeTemplateSpawner's instance,
   * username and servername (the last empty for the default server, which its stop selects by), and
   * hubpolicy's own user-server label, which a stop selects by.
   */
  public static Map<String, String> labels(ServiceTarget target) {
    Map<String, String> l = new LinkedHashMap<>();
    l.put(MANAGED_BY, MANAGER);
    l.put(INSTANCE, target.hubInstance());
    l.put(USERNAME, target.userSlug());
    l.put(SERVERNAME, target.serverSlug());
    l.put(USER_SERVER, target.userServer());
    return l;
  }

  /**
   * @throws IllegalArgumentException unless {@code hubInstance} is a non-empty label value
   */
  public static void checkHubInstance(String hubInstance) {
    if (hubInstance == null || hubInstance.isEmpty() || !SafeNames.isValidLabelValue(hubInstance)) {
      throw new IllegalArgumentException(
          "the hub instance must be a Kubernetes label value (1-63 letters, digits, '-', '_' or"
              + " '.', starting and ending with a letter or digit); got '"
              + hubInstance
              + "'");
    }
  }
}
