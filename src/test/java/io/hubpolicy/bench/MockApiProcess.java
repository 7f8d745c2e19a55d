package io.hubpolicy.bench;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.hubpolicy.kube.MockKube;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's mock API server (CRUD mode) in a process of its own, for the reload benchmark's
 * ConfigMaps mode, at the lowest CPU priority ({@code nice -n 19}) where {@code nice} exists.
 *
 * <p>Why apart: in the benchmark's own JVM, the mock's work on each change (a 700 KB PUT stored,
 * serialized again for the watch, its garbage collected) ran on the load generator's heap and
 * threads at the moment the service reloads, and the generator's lateness counted as the service's
 * latency. Why nice: a real API server runs on other machines than the service's two cores; the
 * lowest priority gives it only the CPU the service and the generator leave, so its work delays the
 * change's arrival (measured apart, as change to first decision) rather than the answers.
 */
final class MockApiProcess implements AutoCloseable {
  private static final String READY = "mock-api listening on ";

  private final Process process;
  private final String url;

  /** A client for the benchmark's writes. */
  final KubernetesClient client;

  private MockApiProcess(Process process, String url, String namespace) {
    this.process = process;
    this.url = url;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(url)
                    .withNamespace(namespace)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
  }

  /** Starts the process with this JVM's class path and waits until it listens. */
  static MockApiProcess start(String namespace) throws IOException {
    List<String> cmd = new ArrayList<>();
    boolean nice = Files.isExecutable(Path.of("/usr/bin/nice"));
    if (nice) {
      cmd.addAll(List.of("/usr/bin/nice", "-n", "19"));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            MockApiProcess.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(READY)) {
        String url = line.substring(READY.length()).trim();
        System.err.printf(
            "bench reload: mock API server at %s, its own process%s%n",
            url, nice ? " at nice 19" : " (no nice here: normal priority)");
        return new MockApiProcess(p, url, namespace);
      }
    }
    p.destroyForcibly();
    throw new IOException("the mock API server process ended before it listened");
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    client.close();
    try {
      // Its stdin closing is its signal to stop.
      process.getOutputStream().close();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Held so that the level set on it stays (the logging framework keeps loggers weakly). */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  /** The process: serves until its standard input ends. */
  public static void main(String[] args) throws IOException {
    // One line per request otherwise, on the benchmark's stderr and the mock's CPU.
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    MockKube kube = MockKube.start();
    System.out.println(READY + kube.client.getMasterUrl());
    System.out.flush();
    while (System.in.read() != -1) {
      // Nothing is sent; end of input is the stop.
    }
    kube.close();
    System.exit(0);
  }
}
