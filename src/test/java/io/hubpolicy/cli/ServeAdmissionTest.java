package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.TestTls;
import io.hubpolicy.app.Wiring;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.json.JsonMapper;

/** {@code serve}'s admission options, wired as the composition root wires them. */
class ServeAdmissionTest {
  static final Path REVIEW = Path.of("src/test/resources/admission/kubespawner-create.json");

  @TempDir Path tmp;
  Wiring.Running running;

  @AfterEach
  void stop() {
    if (running != null) {
      running.stop().run();
    }
  }

  /** Starts serve on a free loopback port; returns what it logged while starting. */
  String serve(String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--audit-log",
                "none",
                "--token-file",
                tmp.resolve("token").toString()));
    args.addAll(List.of(extra));
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args.toArray(String[]::new));
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
      System.setOut(new PrintStream(log, true, StandardCharsets.UTF_8));
      running = serve.start();
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
    }
    String text = log.toString(StandardCharsets.UTF_8);
    oldErr.println(text);
    return text;
  }

  int post(HttpClient client, String url, String body) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 200 && url.endsWith(HttpApi.ADMISSION_PATH)) {
      assertTrue(
          JsonMapper.builder().build().readTree(r.body()).at("/response/allowed").asBoolean(false),
          r.body());
    }
    return r.statusCode();
  }

  @Test
  void admissionWithoutTokenOpensOnlyTheAdmissionPathOverHttpsAndWarns() throws Exception {
    String log =
        serve(
            "--tls-cert",
            TestTls.CERT.toString(),
            "--tls-key",
            TestTls.KEY.toString(),
            "--admission-without-token");
    assertTrue(log.contains("WARN") && log.contains("--admission-without-token"), log);
    assertTrue(log.contains("NetworkPolicy"), log);
    String base = "https://127.0.0.1:" + running.port();
    HttpClient https = TestTls.client();
    assertEquals(200, post(https, base + HttpApi.ADMISSION_PATH, Files.readString(REVIEW)));
    assertEquals(401, post(https, base + "/v1/decisions", "{\"user\":\"alice\"}"));
  }

  @Test
  void byDefaultAdmissionNeedsTheTokenAndPlainHttpIsCalledOut() throws Exception {
    String log = serve();
    assertTrue(log.contains("HTTPS"), "says that the API server needs HTTPS: " + log);
    String base = "http://127.0.0.1:" + running.port();
    assertEquals(
        401,
        post(HttpClient.newHttpClient(), base + HttpApi.ADMISSION_PATH, Files.readString(REVIEW)));
  }
}
