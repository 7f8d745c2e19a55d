package io.hubpolicy.cli;

import io.hubpolicy.app.Wiring;
import picocli.CommandLine;

/**
 * {@code hubpolicy serve} started in this JVM, for tests outside this package (e.g. the JupyterHub
 * IT): the same composition root as the command line.
 */
public final class InProcessServe implements AutoCloseable {
  private final Wiring.Running running;
  private boolean stopped;

  private InProcessServe(Wiring.Running running) {
    this.running = running;
  }

  /** Parses {@code args} as {@code serve} does and starts serving. */
  public static InProcessServe start(String... args) throws Exception {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args);
    return new InProcessServe(serve.start());
  }

  public int port() {
    return running.port();
  }

  /** Stops serving; idempotent. */
  @Override
  public synchronized void close() {
    if (!stopped) {
      stopped = true;
      running.stop().run();
    }
  }
}
