package io.hubpolicy.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * A replica's name in the leader Lease: the pod's name (its host name), which says in {@code
 * kubectl get lease} which pod leads, plus a random part, so that a restarted process, or several
 * in one host or JVM, never take each other for the holder.
 */
final class LeaderIdentity {
  private LeaderIdentity() {}

  static String next() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "hubpolicy";
      }
    }
    return host + "_" + UUID.randomUUID().toString().substring(0, 8);
  }
}
