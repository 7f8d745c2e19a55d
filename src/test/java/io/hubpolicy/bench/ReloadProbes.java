package io.hubpolicy.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import tools.jackson.databind.JsonNode;

/**
 * What {@link ReloadBench} watches in the service: the revisions its answers carry, and its
 * /v1/config and /metrics.
 */
final class ReloadProbes {
  private ReloadProbes() {}

  /** The revisions answers carried, each with when it was first seen. */
  static final class Revisions {
    private final ConcurrentLinkedQueue<Object[]> firstSeen = new ConcurrentLinkedQueue<>();
    private volatile String last = "";

    /** Called on the load generator's single event loop thread. */
    void saw(String revision, long at) {
      if (!revision.equals(last)) {
        last = revision;
        firstSeen.add(new Object[] {revision, at});
      }
    }

    /** When the first answer after {@code since} with another revision arrived, or null. */
    Long awaitOtherThan(String revision, long since, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (Object[] e : firstSeen) {
          long at = (Long) e[1];
          if (at >= since && !e[0].equals(revision)) {
            return at;
          }
        }
        Thread.sleep(1);
      }
      return null;
    }
  }

  /**
   * GET /v1/config and /metrics of the serving process, on plain sockets ({@link PlainHttp}): these
   * are polled while the load runs, from the load generator's JVM.
   */
  static final class ConfigApi {
    private final PlainHttp config;
    private final PlainHttp ready;
    private final PlainHttp metrics;
    private final ServeProcess serve;

    ConfigApi(ServeProcess serve) {
      this.serve = serve;
      this.config =
          PlainHttp.get(
              URI.create(serve.url() + "/v1/config"), "Authorization", "Bearer " + serve.token());
      this.ready = PlainHttp.get(URI.create(serve.url() + "/readyz"));
      this.metrics = PlainHttp.get(URI.create(serve.url() + "/metrics"));
    }

    JsonNode config() throws IOException {
      PlainHttp.Answer r = config.answer();
      if (r.status() != 200) {
        throw new IOException("/v1/config answered " + r.status() + ": " + r.body());
      }
      return ReloadBench.JSON.readTree(r.body());
    }

    void awaitReady(Duration timeout) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (ready.status() == 200) {
          return;
        }
        Thread.sleep(50);
      }
      throw new IOException("serve not ready after " + timeout + ":\n" + serve.logTail(20));
    }

    /** Count, sum and (recent) max of hubpolicy_config_build_seconds, from /metrics. */
    double[] buildSeconds() throws IOException {
      PlainHttp.Answer r = metrics.answer();
      if (r.status() != 200) {
        throw new IOException("/metrics answered " + r.status());
      }
      String text = r.body();
      double count = 0;
      double sum = 0;
      double max = 0;
      for (String l : text.split("\n")) {
        if (l.startsWith("hubpolicy_config_build_seconds_count")) {
          count = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        } else if (l.startsWith("hubpolicy_config_build_seconds_sum")) {
          sum = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        } else if (l.startsWith("hubpolicy_config_build_seconds_max")) {
          max = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        }
      }
      return new double[] {count, sum, max};
    }
  }
}
