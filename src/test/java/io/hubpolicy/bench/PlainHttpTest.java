package io.hubpolicy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlainHttpTest {
  HttpServer server;
  final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/echo",
        x -> {
          byte[] in;
          try (InputStream body = x.getRequestBody()) {
            in = body.readAllBytes();
          }
          seen.add(
              x.getRequestMethod()
                  + " "
                  + x.getRequestURI()
                  + " "
                  + x.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + in.length);
          byte[] out = ("got " + in.length).getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(201, out.length);
          x.getResponseBody().write(out);
          x.close();
        });
    server.createContext(
        "/chunked",
        x -> {
          // Length 0: the JDK's server sends the body in chunks.
          x.sendResponseHeaders(200, 0);
          x.getResponseBody().write("{\"a\":".getBytes(StandardCharsets.UTF_8));
          x.getResponseBody().flush();
          x.getResponseBody().write("1}".getBytes(StandardCharsets.UTF_8));
          x.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path + "?q=1");
  }

  @Test
  void sendsTheBodyAndHeadersAndReadsTheStatus() throws IOException {
    PlainHttp post =
        PlainHttp.of(
            url("/echo"),
            "POST",
            "hello".getBytes(StandardCharsets.UTF_8),
            "Authorization",
            "Bearer t");
    assertEquals(201, post.status());
    assertEquals(new PlainHttp.Answer(201, "got 5"), post.answer());
    assertEquals(List.of("POST /echo?q=1 Bearer t 5", "POST /echo?q=1 Bearer t 5"), seen);
  }

  @Test
  void sendsAFileAsItIsWhenSent(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("body.json");
    byte[] big = new byte[700 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    Files.write(file, big);
    PlainHttp put = PlainHttp.ofFile(url("/echo"), "PUT", file);
    assertEquals(new PlainHttp.Answer(201, "got " + big.length), put.answer());
    assertEquals(List.of("PUT /echo?q=1 null " + big.length), seen);
  }

  @Test
  void readsAChunkedBody() throws IOException {
    assertEquals(new PlainHttp.Answer(200, "{\"a\":1}"), PlainHttp.get(url("/chunked")).answer());
  }

  @Test
  void saysRefusedWhenNothingListens() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PlainHttp knock = PlainHttp.get(URI.create("http://127.0.0.1:" + port + "/"));
    assertEquals(PlainHttp.REFUSED, knock.status());
    assertThrows(java.net.ConnectException.class, knock::answer);
  }

  @Test
  void refusesHeadersThatAreNotPairs() {
    assertThrows(
        IllegalArgumentException.class, () -> PlainHttp.get(url("/echo"), "Authorization"));
  }

  @Test
  void rejectsWhatIsNotHttp() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> PlainHttp.parse("SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(e.getMessage().contains("not an HTTP answer"), e.getMessage());
  }
}
