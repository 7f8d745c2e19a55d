package io.hubpolicy.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * HTTP/1.1 as bytes on a socket, for requests no HTTP client would send (a broken request line, a
 * body that is not UTF-8, a length that lies): one request per connection, written while the answer
 * is read, so that an answer sent before the body is read (a 413) is still seen.
 */
final class RawHttp implements AutoCloseable {
  private final int port;
  private final ExecutorService writers = Executors.newCachedThreadPool();

  RawHttp(int port) {
    this.port = port;
  }

  /** An answer: status 0 when the server said nothing at all. */
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A request's bytes: headers as given (nothing added), then the body. */
  static byte[] request(String head, byte[] body) {
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[h.length + body.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  Answer exchange(byte[] request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      Future<?> writing =
          writers.submit(
              () -> {
                try {
                  // In pieces, as a client on a network would; the server may answer and close
                  // before the last one.
                  for (int i = 0; i < request.length; i += 64 * 1024) {
                    out.write(request, i, Math.min(64 * 1024, request.length - i));
                  }
                  out.flush();
                } catch (IOException closedByServer) {
                  // the answer says why
                }
              });
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16 * 1024];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
        }
      } catch (IOException reset) {
        // what was read before the reset is the answer
      }
      writing.cancel(true);
      return parse(got.toByteArray());
    }
  }

  static Answer parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    // A "100 Continue" comes before the answer.
    while (text.startsWith("HTTP/1.1 100")) {
      int end = text.indexOf("\r\n\r\n");
      text = end < 0 ? "" : text.substring(end + 4);
    }
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/") || end < 0) {
      return new Answer(0, Map.of(), text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
    }
    String body = text.substring(end + 4);
    String length = headers.get("content-length");
    if (length != null) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      int n = Integer.parseInt(length);
      if (b.length > n) {
        body = new String(b, 0, n, StandardCharsets.UTF_8);
      }
    }
    return new Answer(status, headers, body);
  }

  @Override
  public void close() {
    writers.shutdownNow();
  }
}
