package io.hubpolicy.api.grpc;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.LaunchService;
import io.hubpolicy.engine.NoRuleBaseException;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import io.hubpolicy.model.SpawnDeniedException;
import io.hubpolicy.services.ServiceLaunchException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where domain exceptions become gRPC statuses, as {@code HttpApi.fail} is for HTTP
 * statuses. A status never carries a stack trace.
 */
public final class GrpcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  /** INVALID_ARGUMENT: the request field the error is about. */
  public static final Metadata.Key<String> FIELD =
      Metadata.Key.of("hubpolicy-field", Metadata.ASCII_STRING_MARSHALLER);

  /** PERMISSION_DENIED: the audited decision that denied. */
  public static final Metadata.Key<String> DECISION_ID =
      Metadata.Key.of("hubpolicy-decision-id", Metadata.ASCII_STRING_MARSHALLER);

  /** PERMISSION_DENIED: one value per reason, UTF-8 (rules write reasons for users to read). */
  public static final Metadata.Key<byte[]> REASON =
      Metadata.Key.of("hubpolicy-reason-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof StatusException se) {
      return new StatusRuntimeException(se.getStatus(), se.getTrailers());
    }
    if (e instanceof InvalidRequestException ire) {
      Metadata trailers = new Metadata();
      String message = ire.getMessage();
      if (ire.field() != null) {
        trailers.put(FIELD, ascii(ire.field()));
        message = ire.field() + ": " + message;
      }
      return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException(trailers);
    }
    if (e instanceof SpawnDeniedException denied) {
      Metadata trailers = new Metadata();
      trailers.put(DECISION_ID, ascii(denied.decisionId()));
      denied.reasons().forEach(r -> trailers.put(REASON, r.getBytes(StandardCharsets.UTF_8)));
      return Status.PERMISSION_DENIED
          .withDescription(denied.getMessage() + " (decision " + denied.decisionId() + ")")
          .asRuntimeException(trailers);
    }
    if (e instanceof LaunchService.NoClusterException || e instanceof AuditLog.OffException) {
      // Not UNAVAILABLE: retrying cannot help until hubpolicy is started with what it lacks.
      return status(Status.FAILED_PRECONDITION, e.getMessage());
    }
    if (e instanceof AuditLog.NotFoundException nf) {
      return status(Status.NOT_FOUND, nf.getMessage());
    }
    if (e instanceof ServiceLaunchException sle) {
      LOG.warn("launch failed: {}", sle.getMessage());
      return status(
          switch (sle.kind()) {
            case TEMPLATE -> Status.FAILED_PRECONDITION;
            case CLUSTER -> Status.UNAVAILABLE;
            case TIMEOUT -> Status.DEADLINE_EXCEEDED;
          },
          sle.getMessage());
    }
    if (e instanceof NoRuleBaseException nr) {
      return status(Status.UNAVAILABLE, nr.getMessage());
    }
    if (e instanceof KubernetesClientException ke) {
      LOG.warn("Kubernetes API call failed: {}", ke.getMessage());
      return status(Status.UNAVAILABLE, "the Kubernetes API is not available: " + ke.getMessage());
    }
    if (e instanceof PolicyException pe) {
      LOG.warn("decision failed: {}", pe.getMessage());
      return status(Status.INTERNAL, pe.getMessage());
    }
    LOG.error("unexpected error answering a gRPC call", e);
    return status(Status.INTERNAL, "internal error; see the hubpolicy log");
  }

  private static StatusRuntimeException status(Status s, String description) {
    return s.withDescription(description).asRuntimeException();
  }

  /** ASCII metadata must be printable ASCII; the full text is in the status message anyway. */
  private static String ascii(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return b.toString();
  }
}
