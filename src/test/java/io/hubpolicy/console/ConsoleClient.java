package io.hubpolicy.console;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A browser-less client of the console for handler tests: no redirects followed, the session cookie
 * kept by hand, forms sent urlencoded or multipart as a browser sends them.
 */
final class ConsoleClient {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  final String base;
  final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  String cookie;

  ConsoleClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
    return post(path, form, base);
  }

  /** A urlencoded form; {@code origin} null sends none. */
  HttpResponse<String> post(String path, Map<String, String> form, String origin) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(HubLogin.form(form)));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return send(b);
  }

  /** A multipart form; {@code file} is sent as the field {@code file} when not null. */
  HttpResponse<String> multipart(String path, Map<String, String> form, String file)
      throws Exception {
    String boundary = "----hp" + UUID.randomUUID();
    StringBuilder body = new StringBuilder();
    for (Map.Entry<String, String> e : form.entrySet()) {
      body.append("--")
          .append(boundary)
          .append("\r\nContent-Disposition: form-data; name=\"")
          .append(e.getKey())
          .append("\"\r\n\r\n")
          .append(e.getValue())
          .append("\r\n");
    }
    if (file != null) {
      body.append("--")
          .append(boundary)
          .append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.yaml\"\r\n")
          .append("Content-Type: application/x-yaml\r\n\r\n")
          .append(file)
          .append("\r\n");
    }
    body.append("--").append(boundary).append("--\r\n");
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .header("Origin", base)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)));
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    if (cookie != null) {
      b.header("Cookie", Sessions.COOKIE + "=" + cookie);
    }
    HttpResponse<String> r =
        http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    for (String c : r.headers().allValues("set-cookie")) {
      if (c.startsWith(Sessions.COOKIE + "=")) {
        String v = c.substring(Sessions.COOKIE.length() + 1, c.indexOf(';'));
        cookie = v.isEmpty() ? null : v;
      }
    }
    return r;
  }

  /** Logs in with a token; returns the login's answer. */
  HttpResponse<String> login(String token) throws Exception {
    return post("/ui/login", Map.of("token", token));
  }

  /** The form token of the page's forms. */
  static String csrf(String page) {
    Matcher m = CSRF.matcher(page);
    if (!m.find()) {
      throw new AssertionError("no form token on the page:\n" + page);
    }
    return m.group(1).replace("&#39;", "'");
  }

  static Map<String, String> fields(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static String query(Map<String, String> q) {
    return q.entrySet().stream()
        .map(e -> Html.url(e.getKey()) + "=" + Html.url(e.getValue()))
        .collect(Collectors.joining("&"));
  }
}
