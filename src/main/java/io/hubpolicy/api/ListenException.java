package io.hubpolicy.api;

import java.net.BindException;
import java.util.Locale;

/** An edge could not listen on its address, most often because the port is taken. */
public final class ListenException extends RuntimeException {
  public ListenException(String host, int port, Throwable cause) {
    super("cannot listen on " + host + ":" + port + ": " + why(cause), cause);
  }

  private static String why(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      // Netty's native transports report a taken port as an IOException, not a BindException.
      if (c instanceof BindException || m.contains("in use") || m.contains("failed to bind")) {
        return "the address is already in use";
      }
    }
    return String.valueOf(cause.getMessage());
  }
}
