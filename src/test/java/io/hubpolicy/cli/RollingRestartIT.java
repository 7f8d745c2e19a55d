package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hubpolicy.testing.ServeOutput;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart of two real {@code serve} processes under load loses no request. The client
 * sends round-robin and, like a Service routing away from a pod that is not ready, sends a request
 * to the other replica only when the connection is refused, or when a kept-alive connection was
 * closed before any byte of an answer (HTTP/1.1's stale-connection race, RFC 9112 §9.3.1: the
 * server never read the request; the hub's hooks open a connection per request and never meet it);
 * anything else (a reset mid-answer, a 5xx, a timeout) counts as lost. Each replica is stopped with
 * SIGTERM, as the kubelet does, then started again before the other one is.
 */
class RollingRestartIT {
  static final Pattern SERVING =
      Pattern.compile("^hubpolicy serving on http://127\\.0\\.0\\.1:(\\d+) \\(revision \\S+\\)$");
  static final String TOKEN = "rolling-restart-token-0123456789";
  static final Duration DRAIN_DELAY = Duration.ofSeconds(3);
  static final Duration GRACE = Duration.ofSeconds(10);
  static final int WORKERS = 3;

  @TempDir Path tmp;
  final Process[] processes = new Process[2];

  /** Each replica's port; null while it is down (its endpoint removed). */
  final AtomicReferenceArray<Integer> ports = new AtomicReferenceArray<>(2);

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** The probes' own client, as the kubelet's are not the clients' connections. */
  final HttpClient probes =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  final AtomicBoolean loading = new AtomicBoolean(true);
  final AtomicLong answered = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong staleRetried = new AtomicLong();
  final AtomicLongArray perReplica = new AtomicLongArray(2);
  final List<String> lost = Collections.synchronizedList(new ArrayList<>());
  final List<String> problems = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stopAll() throws InterruptedException {
    loading.set(false);
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts replica {@code i} from the test classpath and waits for its "serving on" line. */
  void start(int i) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Under target/, not the temporary directory, so that a failure leaves the logs to read.
    Path dir = Files.createDirectories(Path.of("target", "rolling-restart-it", "replica-" + i));
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "serve",
                "--port",
                "0",
                "--grpc-port",
                "-1",
                "--no-watch",
                "--audit-log",
                "none",
                "--token-file",
                dir.resolve("token").toString(),
                "--drain-delay",
                Double.toString(DRAIN_DELAY.toMillis() / 1000.0),
                "--shutdown-grace",
                Double.toString(GRACE.toMillis() / 1000.0))
            .directory(Path.of("").toAbsolutePath().toFile())
            .redirectError(dir.resolve("stderr-" + System.nanoTime()).toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    Process p = pb.start();
    processes[i] = p;
    CompletableFuture<Integer> port =
        ServeOutput.firstMatch(p, SERVING, "replica-" + i + "-stdout")
            .thenApply(m -> Integer.parseInt(m.group(1)));
    try {
      ports.set(i, port.get(120, TimeUnit.SECONDS));
    } catch (Exception e) {
      p.destroyForcibly();
      fail("replica " + i + " did not start: " + e);
    }
  }

  /** SIGTERM, then checks readiness fails at once and the process exits within the grace. */
  void restart(int i) throws Exception {
    int port = ports.get(i);
    Process p = processes[i];
    long t0 = System.nanoTime();
    p.destroy(); // SIGTERM
    List<String> seen = new ArrayList<>();
    while (p.isAlive()) {
      String ready = status(port, "/readyz");
      seen.add(ready + " at " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      if (ready.equals("503")) {
        break;
      }
      Thread.sleep(20);
    }
    if (seen.isEmpty() || !seen.get(seen.size() - 1).startsWith("503 ")) {
      problems.add("replica " + i + ": /readyz after SIGTERM: " + seen);
    }
    System.out.println("replica " + i + ": /readyz after SIGTERM: " + seen);
    assertTrue(p.waitFor(GRACE.toMillis() + 5000, TimeUnit.MILLISECONDS), "exited");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    // The endpoint goes when the process does; the client stops sending there.
    ports.set(i, null);
    assertTrue(
        took.compareTo(GRACE) < 0,
        "replica " + i + " exited " + took.toMillis() + " ms after SIGTERM (grace " + GRACE + ")");
    assertTrue(
        took.compareTo(DRAIN_DELAY) >= 0,
        "replica " + i + " kept answering for the drain delay; exited after " + took.toMillis());
    start(i);
  }

  String status(int port, String path) {
    try {
      return Integer.toString(
          probes
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode());
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** One request to replica {@code i}: its status, or an exception. */
  HttpResponse<String> decide(int port) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/decisions?explain=none"))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + TOKEN)
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"user\":\"vpavlin\",\"image\":\"s2i-thoth-notebook:3.6\",\"size\":\"Large\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  void worker(int w) {
    long n = w;
    while (loading.get()) {
      int first = (int) (n++ % 2);
      int[] order = {first, 1 - first};
      String failure = null;
      boolean done = false;
      for (int attempt = 0; attempt < 2 && !done; attempt++) {
        int i = order[attempt];
        Integer port = ports.get(i);
        if (port == null) {
          continue;
        }
        try {
          HttpResponse<String> r = decide(port);
          if (r.statusCode() == 200) {
            answered.incrementAndGet();
            perReplica.incrementAndGet(i);
            failure = null;
          } else {
            failure = "replica " + i + ": " + r.statusCode() + " " + r.body();
          }
          done = true;
        } catch (java.net.http.HttpConnectTimeoutException e) {
          // Not refused: a Service would not have known to send it elsewhere.
          failure = "replica " + i + ": " + e;
          done = true;
        } catch (ConnectException e) {
          // Refused: the Service would have sent it to the other replica.
          retried.incrementAndGet();
          failure = "replica " + i + ": refused, and so was the other";
        } catch (IOException e) {
          if (String.valueOf(e.getMessage()).contains("received no bytes")) {
            staleRetried.incrementAndGet();
            failure = "replica " + i + ": a stale connection, and the other failed too";
            continue;
          }
          failure = "replica " + i + ": " + e;
          done = true;
        } catch (InterruptedException e) {
          return;
        }
      }
      if (!done) {
        lost.add(failure == null ? "no replica up" : failure);
      } else if (failure != null) {
        lost.add(failure);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Test
  void aRollingRestartOfTwoReplicasUnderLoadLosesNoRequest() throws Exception {
    start(0);
    start(1);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      int id = w;
      Thread t = new Thread(() -> worker(id), "load-" + w);
      t.start();
      workers.add(t);
    }
    Thread.sleep(2000);
    restart(0);
    Thread.sleep(2000);
    long before = perReplica.get(0);
    restart(1);
    Thread.sleep(2000);
    loading.set(false);
    for (Thread t : workers) {
      t.join(30_000);
    }
    System.out.printf(
        "rolling restart: %d requests answered 200 (replica 0: %d, replica 1: %d), %d sent to the"
            + " other replica after a refused connection, %d after a stale one, %d lost%n",
        answered.get(),
        perReplica.get(0),
        perReplica.get(1),
        retried.get(),
        staleRetried.get(),
        lost.size());
    assertEquals(List.of(), problems);
    assertEquals(
        List.of(),
        lost.subList(0, Math.min(lost.size(), 20)),
        lost.size() + " requests lost; " + answered.get() + " answered");
    assertTrue(answered.get() > 500, answered.get() + " answered");
    assertTrue(perReplica.get(0) > before, "the restarted replica 0 served again");
  }
}
