package io.hubpolicy.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 request on a plain socket, written by hand, for the benchmarks' side calls that run
 * beside the service on the same two cores: the startup benchmark's knocks on the port, the reload
 * benchmark's ConfigMap writes and its polls of /v1/config and /metrics. The JDK's {@code
 * java.net.http} client took a measurable share of those cores: ~0.35 s of CPU per measured start
 * (its selector thread, futures and connection-refused exceptions, one knock every 2 ms), ~4 ms per
 * 700 KB PUT. Here a knock is a connect, and a body goes from its file to the socket in the kernel
 * ({@code transferTo}). BENCHMARKS.md §5, eighth session.
 *
 * <p>Every request says {@code Connection: close}; the answer's status line is read, and the rest
 * drained unparsed until the server closes (not cut off, which the server could log as a reset).
 */
final class PlainHttp {
  /** {@link #status} when nothing listens on the port yet. */
  static final int REFUSED = 0;

  private final InetSocketAddress address;
  private final String head;
  private final byte[] body;
  private final Path bodyFile;

  private PlainHttp(URI url, String method, String[] headers, byte[] body, Path bodyFile) {
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException("headers come as name, value pairs: " + List.of(headers));
    }
    this.address = new InetSocketAddress(url.getHost(), url.getPort());
    StringBuilder h = new StringBuilder();
    String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    h.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    h.append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      h.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    h.append("Connection: close\r\n");
    this.head = h.toString();
    this.body = body;
    this.bodyFile = bodyFile;
  }

  /** A request with this body; headers as name, value, name, value… */
  static PlainHttp of(URI url, String method, byte[] body, String... headers) {
    return new PlainHttp(url, method, headers, body.clone(), null);
  }

  /** A request whose body is this file, as it is each time the request is sent. */
  static PlainHttp ofFile(URI url, String method, Path body, String... headers) {
    return new PlainHttp(url, method, headers, null, body);
  }

  /** A request without a body (GET). */
  static PlainHttp get(URI url, String... headers) {
    return of(url, "GET", new byte[0], headers);
  }

  /** A whole answer: its status and body (de-chunked), read until the server closed. */
  record Answer(int status, String body) {}

  /** Sends the request; the answer's status, or {@link #REFUSED} if no one listens. */
  int status() throws IOException {
    try (SocketChannel ch = SocketChannel.open()) {
      if (!send(ch)) {
        return REFUSED;
      }
      return readStatus(ch);
    }
  }

  /** Sends the request and reads the whole answer; refused is an error here. */
  Answer answer() throws IOException {
    try (SocketChannel ch = SocketChannel.open()) {
      if (!send(ch)) {
        throw new ConnectException("nothing listens on " + address);
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      ByteBuffer in = ByteBuffer.allocate(16 * 1024);
      while (ch.read(in) >= 0) {
        all.write(in.array(), 0, in.position());
        in.clear();
      }
      return parse(all.toByteArray());
    }
  }

  /** The status and body of a complete HTTP/1.1 answer. */
  static Answer parse(byte[] raw) throws IOException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || text.length() < 12 || end < 0) {
      throw new IOException(
          "not an HTTP answer: '" + text.substring(0, Math.min(80, text.length())) + "'");
    }
    int status;
    try {
      status = Integer.parseInt(text.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: '" + text.substring(0, 12) + "'", e);
    }
    boolean chunked =
        text.substring(0, end).toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked");
    byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
    if (chunked) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int at = 0;
      while (true) {
        int eol = indexOf(body, at);
        if (eol < 0) {
          throw new IOException("a chunked body cut short");
        }
        String size =
            new String(body, at, eol - at, StandardCharsets.US_ASCII).split(";")[0].strip();
        int n = Integer.parseInt(size, 16);
        if (n == 0) {
          break;
        }
        out.write(body, eol + 2, n);
        at = eol + 2 + n + 2;
      }
      body = out.toByteArray();
    }
    return new Answer(status, new String(body, StandardCharsets.UTF_8));
  }

  private static int indexOf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Connects and writes the request; false if refused. */
  private boolean send(SocketChannel ch) throws IOException {
    try {
      ch.connect(address);
    } catch (ConnectException refused) {
      return false;
    }
    if (body != null) {
      writeFully(ch, ByteBuffer.wrap(headWithLength(body.length)));
      writeFully(ch, ByteBuffer.wrap(body));
      return true;
    }
    try (FileChannel f = FileChannel.open(bodyFile, StandardOpenOption.READ)) {
      long size = f.size();
      writeFully(ch, ByteBuffer.wrap(headWithLength(size)));
      for (long at = 0; at < size; ) {
        at += f.transferTo(at, size - at, ch);
      }
    }
    return true;
  }

  private byte[] headWithLength(long length) {
    return (head + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** The status of the answer's first line ("HTTP/1.1 200 OK"). */
  private static int readStatus(SocketChannel ch) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(64);
    while (in.position() < 12 && ch.read(in) >= 0) {
      // until "HTTP/1.1 200" has arrived, or the connection ended
    }
    String line = new String(Arrays.copyOf(in.array(), in.position()), StandardCharsets.US_ASCII);
    ByteBuffer rest = ByteBuffer.allocate(8 * 1024);
    while (ch.read(rest) >= 0) {
      rest.clear();
    }
    if (!line.startsWith("HTTP/1.") || line.length() < 12) {
      throw new IOException("not an HTTP answer: '" + line + "'");
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: '" + line + "'", e);
    }
  }
}
