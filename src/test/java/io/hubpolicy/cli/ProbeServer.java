package io.hubpolicy.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.hubpolicy.app.Wiring;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;

/**
 * One real {@code hubpolicy serve} for DeployOverlaysIT's probe paths, started once per JVM on a
 * free loopback port with the file overlay's profiles (so that they are shown to load, too).
 */
final class ProbeServer {
  private static Wiring.Running running;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ProbeServer() {}

  private static synchronized int port() throws Exception {
    if (running == null) {
      Path dir = Files.createTempDirectory("hubpolicy-probes-");
      Path profiles = Files.createDirectory(dir.resolve("profiles"));
      ConfigMap cm = RenderedOverlay.of("file").one(ConfigMap.class);
      for (Map.Entry<String, String> e : cm.getData().entrySet()) {
        Files.writeString(profiles.resolve(e.getKey()), e.getValue());
      }
      ServeCommand serve = new ServeCommand();
      new CommandLine(serve)
          .parseArgs(
              "--port=0",
              "--grpc-port=-1",
              "--audit-log=none",
              "--no-watch",
              "--token-file=" + dir.resolve("token"),
              "--profiles=" + profiles);
      running = serve.start();
      Runtime.getRuntime().addShutdownHook(new Thread(running.stop()));
    }
    return running.port();
  }

  /**
   * The status of GET {@code path} without a token, as a probe asks; a 503 is asked again for up to
   * 30 s (no configuration loaded yet).
   */
  static int get(String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port() + path);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      int status =
          HTTP.send(
                  HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
              .statusCode();
      if (status != 503 || System.nanoTime() > deadline) {
        return status;
      }
      Thread.sleep(100);
    }
  }
}
