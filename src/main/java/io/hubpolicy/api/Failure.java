package io.hubpolicy.api;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hubpolicy.engine.NoRuleBaseException;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.SpawnDeniedException;
import io.hubpolicy.services.NoClusterException;
import io.hubpolicy.services.ServiceLaunchException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why a call failed, classified once for every edge: each edge keeps one table from {@link Kind} to
 * its own codes (HTTP statuses in {@code HttpApi}, gRPC statuses in {@code GrpcErrors}), so the two
 * can never classify the same failure differently. The message is for the caller; it never carries
 * a stack trace, and an unexpected exception is logged here and answered in general words.
 *
 * @param field the request field a {@link Kind#BAD_REQUEST} is about, or null
 * @param decisionId the audited decision of a {@link Kind#DENIED}, or null
 * @param reasons the rules' reasons of a {@link Kind#DENIED}, else empty
 */
public record Failure(
    Kind kind, String message, String field, String decisionId, List<String> reasons) {

  public enum Kind {
    /** The request is wrong; the message names the field. */
    BAD_REQUEST,
    /** A policy rule denied the spawn. */
    DENIED,
    /** Nothing by that name (a decision id). */
    NOT_FOUND,
    /** This hubpolicy runs without what the call needs (no cluster, no audit log). */
    PRECONDITION,
    /** The configuration cannot carry the call out (a service template that does not render). */
    UNPROCESSABLE,
    /** Not now: no configuration has loaded yet, or the Kubernetes API cannot be reached. */
    UNAVAILABLE,
    /** The Kubernetes API refused what a launch asked of it. */
    UPSTREAM,
    /** A value a launch waits for never came. */
    TIMEOUT,
    /** A rule failed, or a defect: see the log. */
    INTERNAL
  }

  private static final Logger LOG = LoggerFactory.getLogger(Failure.class);

  public Failure {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }

  static Failure of(Kind kind, String message) {
    return new Failure(kind, message, null, null, List.of());
  }

  /** The one classification of what a call can throw. */
  public static Failure of(Throwable e) {
    return of(e, null);
  }

  /**
   * @param requestId the request's id, put in the log lines of failures that are logged (the answer
   *     never carries the detail, the log does); null if the edge has none
   */
  public static Failure of(Throwable e, String requestId) {
    String req = requestId == null ? "" : "request " + requestId + ": ";
    if (e instanceof InvalidRequestException ire) {
      return new Failure(Kind.BAD_REQUEST, ire.getMessage(), ire.field(), null, List.of());
    }
    if (e instanceof SpawnDeniedException d) {
      return new Failure(Kind.DENIED, d.getMessage(), null, d.decisionId(), d.reasons());
    }
    if (e instanceof AuditLog.NotFoundException) {
      return of(Kind.NOT_FOUND, e.getMessage());
    }
    if (e instanceof NoClusterException || e instanceof AuditLog.OffException) {
      return of(Kind.PRECONDITION, e.getMessage());
    }
    if (e instanceof ServiceLaunchException sle) {
      LOG.warn("{}launch failed: {}", req, sle.getMessage());
      return of(
          switch (sle.kind()) {
            case TEMPLATE -> Kind.UNPROCESSABLE;
            case CLUSTER -> Kind.UPSTREAM;
            case TIMEOUT -> Kind.TIMEOUT;
          },
          sle.getMessage());
    }
    if (e instanceof AuditLog.UnavailableException) {
      LOG.warn("{}{}", req, e.getMessage());
      return of(Kind.UNAVAILABLE, e.getMessage());
    }
    if (e instanceof NoRuleBaseException) {
      return of(Kind.UNAVAILABLE, e.getMessage());
    }
    if (e instanceof KubernetesClientException ke) {
      LOG.warn("{}Kubernetes API call failed: {}", req, ke.getMessage());
      return of(Kind.UNAVAILABLE, "the Kubernetes API is not available: " + Words.of(ke));
    }
    if (e instanceof PolicyException pe) {
      LOG.warn("{}decision failed: {}", req, pe.getMessage());
      return of(Kind.INTERNAL, pe.getMessage());
    }
    LOG.error("{}unexpected error answering a call", req, e);
    return of(
        Kind.INTERNAL,
        "internal error; see the hubpolicy log"
            + (requestId == null ? "" : " (request " + requestId + ")"));
  }
}
