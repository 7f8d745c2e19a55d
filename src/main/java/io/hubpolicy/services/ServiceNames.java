package io.hubpolicy.services;

import io.hubpolicy.model.SafeNames;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names, labels and annotations of the objects hubpolicy launches; one place for each. */
public final class ServiceNames {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "hubpolicy";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String ANCHOR_COMPONENT = "service-anchor";
  public static final String USERNAME = "hub.jupyter.org/username";
  public static final String SERVERNAME = "hub.jupyter.org/servername";
  public static final String SERVICE = "hubpolicy.io/service";
  public static final String LIFECYCLE = "hubpolicy/lifecycle";

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
   * KubeSpawner names pods), and any other name gets the instance appended. Cut to a DNS label so
   * that any kind (a Service too) accepts it.
   */
  public static String objectName(String rendered, ServiceTarget target) {
    String instance = target.instance();
    if (rendered.contains(instance) && rendered.length() <= MAX_NAME) {
      return rendered;
    }
    if (!target.server().isEmpty() && rendered.contains(target.userSlug())) {
      String serverSlug = SafeNames.safeSlug(target.server());
      String named = rendered + "--" + serverSlug;
      if (instance.equals(target.userSlug() + "--" + serverSlug) && named.length() <= MAX_NAME) {
        return named;
      }
    }
    String base = rendered;
    int room = MAX_NAME - instance.length() - 1;
    if (base.length() > room) {
      base = base.substring(0, room);
    }
    base = base.replaceAll("[^a-z0-9]+$", "");
    return base.isEmpty() ? instance : base + "-" + instance;
  }

  /** The ConfigMap every object of one user server is owned by. */
  public static String anchorName(ServiceTarget target) {
    return "hubpolicy-services-" + target.instance();
  }

  /** Labels that find a user server's objects; they win over a template's own. */
  public static Map<String, String> labels(ServiceTarget target) {
    Map<String, String> l = new LinkedHashMap<>();
    l.put(MANAGED_BY, MANAGER);
    l.put(INSTANCE, target.instance());
    l.put(USERNAME, SafeNames.labelValue(target.user()));
    if (!target.server().isEmpty()) {
      l.put(SERVERNAME, SafeNames.labelValue(target.server()));
    }
    return l;
  }
}
