package io.hubpolicy.api.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request message that cannot be parsed (a string field that is not UTF-8, bytes that are not
 * protobuf) is the caller's fault: INVALID_ARGUMENT, where gRPC would answer UNKNOWN ("Application
 * error processing RPC") and log a stack trace. Works on a service whose messages are parsed when
 * they are delivered ({@code ServerInterceptors.useInputStreamMessages}), so that the parse happens
 * inside this listener.
 */
final class MalformedRequests implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedRequests.class);

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          refused = true;
          Throwable cause = e.getCause() == null ? e : e.getCause();
          LOG.info(
              "refused {}: the request message cannot be read ({})",
              call.getMethodDescriptor().getFullMethodName(),
              cause.getMessage());
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "the request is not a valid "
                      + call.getMethodDescriptor().getServiceName()
                      + " message (is a string field not UTF-8?)"),
              new Metadata());
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }
}
