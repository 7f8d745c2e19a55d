package io.hubpolicy.api.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.hubpolicy.auth.Authenticator;
import io.hubpolicy.auth.BearerAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code authorization: Bearer <token>} metadata on every call, checked by the same {@link
 * BearerAuth} as HTTP's {@code Authorization} header, so both edges accept the same callers.
 */
final class BearerInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(BearerInterceptor.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Authenticator auth;

  BearerInterceptor(Authenticator auth) {
    this.auth = auth;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    BearerAuth.Verdict v = auth.check(headers.get(AUTHORIZATION));
    if (v == BearerAuth.Verdict.OK) {
      return next.startCall(call, headers);
    }
    // The metadata is never logged: a wrong token is often a right one for something else.
    LOG.warn(
        "refused {} from {}: {}",
        call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
        v.reason());
    call.close(Status.UNAUTHENTICATED.withDescription(v.reason()), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
