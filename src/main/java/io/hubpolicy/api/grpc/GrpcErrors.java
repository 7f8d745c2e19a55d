package io.hubpolicy.api.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.hubpolicy.api.Failure;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Failures as gRPC statuses: the classification is {@link Failure}'s, shared with HTTP; this is
 * only the table from its kinds to status codes, and the trailers that carry the field or the
 * denial. A status never carries a stack trace.
 */
public final class GrpcErrors {
  /** INVALID_ARGUMENT: the request field the error is about. */
  public static final Metadata.Key<String> FIELD =
      Metadata.Key.of("hubpolicy-field", Metadata.ASCII_STRING_MARSHALLER);

  /** PERMISSION_DENIED: the audited decision that denied. */
  public static final Metadata.Key<String> DECISION_ID =
      Metadata.Key.of("hubpolicy-decision-id", Metadata.ASCII_STRING_MARSHALLER);

  /** PERMISSION_DENIED: one value per reason, UTF-8 (rules write reasons for users to read). */
  public static final Metadata.Key<byte[]> REASON =
      Metadata.Key.of("hubpolicy-reason-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /** Each failure kind's status; HTTP has its own table in {@code HttpApi}. */
  static final Map<Failure.Kind, Status> STATUS = new EnumMap<>(Failure.Kind.class);

  static {
    STATUS.put(Failure.Kind.BAD_REQUEST, Status.INVALID_ARGUMENT);
    STATUS.put(Failure.Kind.DENIED, Status.PERMISSION_DENIED);
    STATUS.put(Failure.Kind.NOT_FOUND, Status.NOT_FOUND);
    // Not UNAVAILABLE: retrying cannot help until hubpolicy is started with what it lacks.
    STATUS.put(Failure.Kind.PRECONDITION, Status.FAILED_PRECONDITION);
    STATUS.put(Failure.Kind.UNPROCESSABLE, Status.FAILED_PRECONDITION);
    STATUS.put(Failure.Kind.UNAVAILABLE, Status.UNAVAILABLE);
    STATUS.put(Failure.Kind.UPSTREAM, Status.UNAVAILABLE);
    STATUS.put(Failure.Kind.TIMEOUT, Status.DEADLINE_EXCEEDED);
    STATUS.put(Failure.Kind.INTERNAL, Status.INTERNAL);
  }

  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof StatusException se) {
      return new StatusRuntimeException(se.getStatus(), se.getTrailers());
    }
    Failure f = Failure.of(e);
    Metadata trailers = new Metadata();
    String message = f.message();
    if (f.field() != null) {
      trailers.put(FIELD, ascii(f.field()));
      message = f.field() + ": " + message;
    }
    if (f.kind() == Failure.Kind.DENIED) {
      trailers.put(DECISION_ID, ascii(f.decisionId()));
      f.reasons().forEach(r -> trailers.put(REASON, r.getBytes(StandardCharsets.UTF_8)));
      message = message + " (decision " + f.decisionId() + ")";
    }
    return STATUS.get(f.kind()).withDescription(message).asRuntimeException(trailers);
  }

  /** ASCII metadata must be printable ASCII; the full text is in the status message anyway. */
  private static String ascii(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return b.toString();
  }
}
