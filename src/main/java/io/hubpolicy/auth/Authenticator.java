package io.hubpolicy.auth;

/**
 * Decides from an {@code Authorization} header whether a call may proceed. The edges ask this and
 * nothing else, so HTTP and gRPC accept and refuse exactly the same calls; {@link BearerAuth} is
 * the one the service runs with.
 */
@FunctionalInterface
public interface Authenticator {
  /**
   * @param authorization the header as sent, null when absent
   */
  BearerAuth.Verdict check(String authorization);
}
