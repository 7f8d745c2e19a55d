package io.hubpolicy.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hostile requests against every route of the HTTP API, generated from a seed: malformed and
 * truncated JSON, wrong types at every place of a pod, deep nesting, huge bodies and fields,
 * control characters, lone surrogates and invalid UTF-8 in every request field, wrong methods, long
 * and badly encoded paths and queries, bad content types, encodings and framing.
 *
 * @param expected the status a case must get, or 0 for "any status below 500"
 */
record HostileCorpus(String name, byte[] request, boolean head, int expected) {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * An HTTP version other than 1.0, 1.1 and 2 is answered by Vert.x itself, before any handler of
   * hubpolicy can see the request: 501 with no body. The one answer not in JSON.
   */
  static final int VERTX_OWN = 501;

  static final JsonNodeFactory F = JsonNodeFactory.instance;

  static final String POD =
      """
      {"apiVersion":"v1","kind":"Pod",
       "metadata":{"name":"jupyter-bob","labels":{"component":"singleuser-server"},
                   "annotations":{"hub.jupyter.org/username":"bob"}},
       "spec":{"containers":[
         {"name":"notebook","image":"s2i-minimal-notebook:3.6",
          "env":[{"name":"GREETING","value":"from-pod"}],
          "ports":[{"containerPort":8888,"name":"notebook-port"}],
          "resources":{"limits":{"cpu":"1","memory":"1Gi"}},
          "securityContext":{"runAsUser":1000,"allowPrivilegeEscalation":false},
          "livenessProbe":{"httpGet":{"port":8888,"path":"/"}}}],
        "tolerations":[{"key":"k","operator":"Exists","tolerationSeconds":30}],
        "activeDeadlineSeconds":3600}}
      """;

  /** Strings no request field should take (and a few it should). */
  static final List<String> BAD_STRINGS =
      List.of(
          "a\u0000b",
          "\u0001",
          "a\u001fb",
          "a\u007fb",
          "a\u0085b",
          "a\u009fb",
          "line\nbreak",
          "cr\rhere",
          "tab\there",
          "a\u2028b",
          "\ud800x",
          "x\udc00",
          "\udbff",
          "x".repeat(256),
          "x".repeat(1 << 20),
          " lead",
          "trail ",
          "",
          "a/b",
          "%00",
          "\u00e9l\u00e8ve",
          "\ud83d\ude00");

  static final List<JsonNode> WRONG_TYPES =
      List.of(
          F.numberNode(42),
          F.numberNode(3000000000L),
          F.numberNode(-1),
          F.numberNode(1.5),
          F.numberNode(new java.math.BigInteger("1" + "0".repeat(40))),
          F.booleanNode(true),
          F.nullNode(),
          F.arrayNode(),
          F.objectNode(),
          F.arrayNode().add("a"),
          F.objectNode().put("a", 1),
          F.stringNode("text"));

  /** Byte sequences that are not UTF-8: a lone byte, a broken pair, overlong, a surrogate... */
  static final List<byte[]> BAD_UTF8 =
      List.of(
          new byte[] {(byte) 0xff},
          new byte[] {(byte) 0x80},
          new byte[] {(byte) 0xc3, 0x28},
          new byte[] {(byte) 0xc0, (byte) 0xaf},
          new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
          new byte[] {(byte) 0xe2, (byte) 0x82},
          new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
          new byte[] {(byte) 0xe9});

  static ObjectNode decideBody() {
    ObjectNode o = F.objectNode();
    o.put("user", "bob");
    o.putArray("groups").add("devs");
    o.put("image", "s2i-minimal-notebook:3.6");
    o.put("size", "Small");
    o.put("server", "lab");
    o.set("pod", JSON.readTree(POD));
    return o;
  }

  static ObjectNode preferencesBody() {
    ObjectNode o = F.objectNode();
    o.put("size", "Small");
    o.put("gpu", 0);
    o.putArray("env").addObject().put("name", "COLOUR").put("value", "blue");
    return o;
  }

  static ObjectNode review() {
    ObjectNode review = F.objectNode();
    review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "8f3a4a1e-2c1b-4c8e-9a51-2b8f6c1d9e07");
    request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
    request.put("operation", "CREATE");
    ObjectNode pod = (ObjectNode) JSON.readTree(POD);
    ((ObjectNode) pod.at("/metadata/annotations")).put("hubpolicy.io/size", "Small");
    request.set("object", pod);
    return review;
  }

  /** Every route with a body: its method, path and a valid body. */
  record BodyRoute(String method, String path, ObjectNode body, String stringsAt) {}

  static List<BodyRoute> bodyRoutes() {
    return List.of(
        new BodyRoute("POST", "/v1/decisions", decideBody(), ""),
        new BodyRoute("POST", "/v1/launches", decideBody(), ""),
        new BodyRoute("POST", "/v1/admission", review(), "/request/object/metadata/annotations"),
        new BodyRoute("PUT", "/v1/users/bob/preferences", preferencesBody(), ""));
  }

  /** Every route: method and a concrete path. */
  static final List<String[]> ROUTES =
      List.of(
          new String[] {"GET", "/healthz"},
          new String[] {"GET", "/readyz"},
          new String[] {"GET", "/metrics"},
          new String[] {"GET", "/v1/users/bob/preferences"},
          new String[] {"PUT", "/v1/users/bob/preferences"},
          new String[] {"GET", "/v1/images"},
          new String[] {"GET", "/v1/sizes"},
          new String[] {"GET", "/v1/options?user=bob"},
          new String[] {"POST", "/v1/decisions"},
          new String[] {"POST", "/v1/admission"},
          new String[] {"GET", "/v1/decisions?user=bob"},
          new String[] {"GET", "/v1/decisions/d-1"},
          new String[] {"GET", "/v1/config"},
          new String[] {"POST", "/v1/launches"},
          new String[] {"DELETE", "/v1/launches/bob?event=server-stopped"});

  static List<HostileCorpus> generate(long seed, String token) {
    Random random = new Random(seed);
    Builder b = new Builder(token);
    for (BodyRoute route : bodyRoutes()) {
      bodyCases(b, route, random);
    }
    methodCases(b);
    pathAndQueryCases(b);
    framingCases(b);
    return b.cases;
  }

  private static void bodyCases(Builder b, BodyRoute r, Random random) {
    String valid = r.body().toString();
    String m = r.method();
    String p = r.path();
    String n = m + " " + p;
    // Content types and encodings of a valid body: curl -d sends it form-encoded.
    for (String type :
        List.of(
            "application/x-www-form-urlencoded",
            "text/plain",
            "application/json; charset=utf-16",
            "application/octet-stream")) {
      b.add(n + " as " + type, m, p, Map.of("Content-Type", type), utf8(valid), 0);
    }
    b.add(n + " without a content type", m, p, Map.of(), utf8(valid), 0);
    for (String type : List.of("multipart/form-data; boundary=x", "multipart/mixed")) {
      b.add(n + " as " + type, m, p, Map.of("Content-Type", type), utf8(valid), 415);
    }
    b.add(n + " gzipped", m, p, Map.of("Content-Encoding", "gzip"), gzip(utf8(valid)), 415);
    b.add(n + " br", m, p, Map.of("Content-Encoding", "br"), utf8(valid), 415);
    b.add(
        n + " BOM",
        m,
        p,
        Map.of(),
        concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, utf8(valid)),
        0);
    b.add(n + " UTF-16", m, p, Map.of(), valid.getBytes(StandardCharsets.UTF_16), 400);
    b.add(n + " UTF-16LE", m, p, Map.of(), valid.getBytes(StandardCharsets.UTF_16LE), 400);
    if (valid.contains("bob")) {
      b.add(
          n + " Latin-1",
          m,
          p,
          Map.of(),
          valid.replace("bob", "b\u00e9b").getBytes(StandardCharsets.ISO_8859_1),
          400);
    }
    // Malformed and truncated.
    for (String bad :
        List.of(
            "",
            "{",
            "}",
            "[]",
            "null",
            "42",
            "\"text\"",
            "{\"a\":}",
            "{'a':1}",
            "{\"a\":NaN}",
            "{\"a\":01}",
            "{\"a\":1}x",
            "{\"a\":1,\"a\":2}",
            "{\"user\":\"bob\",\"user\":\"eve\"}",
            "\u0000",
            "{\"a\":\"\u0000\"}",
            "nul",
            "[".repeat(100_000),
            "{\"a\":" + "9".repeat(2000) + "}",
            "{\"a\":1e999999}",
            "{\"" + "k".repeat(100_000) + "\":1}")) {
      b.add(n + " malformed " + shorten(bad), m, p, Map.of(), utf8(bad), 400);
    }
    for (int i = 0; i < 25; i++) {
      int cut = random.nextInt(valid.length() - 1);
      b.add(n + " truncated at " + cut, m, p, Map.of(), utf8(valid.substring(0, cut)), 400);
    }
    // Deep nesting inside a valid envelope.
    String deep = "{\"a\":".repeat(70) + "1" + "}".repeat(70);
    ObjectNode nested = r.body().deepCopy();
    nested.set("x", JSON.readTree("{\"a\":1}"));
    b.add(n + " deep", m, p, Map.of(), utf8(nested.toString().replace("{\"a\":1}", deep)), 400);
    // Wrong types and bad strings in every top-level field and every place of the pod.
    List<String> pointers = new ArrayList<>();
    pointers(r.body(), "", pointers);
    for (String at : pointers) {
      JsonNode w = WRONG_TYPES.get(random.nextInt(WRONG_TYPES.size()));
      b.add(
          n + " " + at + "=" + shorten(w.toString()),
          m,
          p,
          Map.of(),
          utf8(replace(r.body(), at, w).toString()),
          0);
    }
    for (String at : stringPointers(r)) {
      for (String s : BAD_STRINGS) {
        b.add(
            n + " " + at + "=" + shorten(s),
            m,
            p,
            Map.of(),
            utf8(replace(r.body(), at, F.stringNode(s)).toString()),
            0);
      }
      for (byte[] bad : BAD_UTF8) {
        String marked = replace(r.body(), at, F.stringNode("MARK")).toString();
        byte[] body = utf8(marked);
        int i = marked.indexOf("MARK");
        byte[] head = java.util.Arrays.copyOfRange(body, 0, i);
        byte[] tail = java.util.Arrays.copyOfRange(body, i + 4, body.length);
        b.add(n + " " + at + " not UTF-8", m, p, Map.of(), concat(head, concat(bad, tail)), 400);
      }
    }
    // Lone surrogates as escapes, in a value and in a key, deep in the body.
    String escaped = valid.replaceFirst("\"bob\"", "\"b\\\\ud800ob\"");
    if (!escaped.equals(valid)) {
      b.add(n + " escaped lone surrogate", m, p, Map.of(), utf8(escaped), 400);
    }
    String inPod = valid.replaceFirst("from-pod", "from\\\\udbffpod");
    if (!inPod.equals(valid)) {
      b.add(n + " lone surrogate in the pod", m, p, Map.of(), utf8(inPod), 400);
    }
    b.add(
        n + " lone surrogate key",
        m,
        p,
        Map.of(),
        utf8(valid.replaceFirst("\\{\"", "{\"\\\\udc00\":1,\"")),
        400);
    // Huge.
    b.add(n + " 5 MB", m, p, Map.of(), new byte[5 * 1024 * 1024], 413);
    b.chunked(n + " 5 MB chunked", m, p, new byte[5 * 1024 * 1024], 413);
  }

  private static List<String> stringPointers(BodyRoute r) {
    List<String> out = new ArrayList<>();
    if (!r.stringsAt().isEmpty()) {
      out.add(r.stringsAt() + "/hub.jupyter.org~1username");
      out.add(r.stringsAt() + "/hubpolicy.io~1size");
      out.add(r.stringsAt() + "/hubpolicy.io~1groups");
      out.add("/request/object/spec/containers/0/image");
      out.add("/request/uid");
      return out;
    }
    r.body()
        .properties()
        .forEach(
            e -> {
              if (e.getValue().isString()) {
                out.add("/" + e.getKey());
              }
            });
    if (r.body().has("groups")) {
      out.add("/groups/0");
    }
    if (r.body().has("env")) {
      out.add("/env/0/value");
      out.add("/env/0/name");
    }
    if (r.body().has("pod")) {
      out.add("/pod/metadata/annotations/hub.jupyter.org~1username");
      out.add("/pod/spec/containers/0/env/0/value");
    }
    return out;
  }

  private static void methodCases(Builder b) {
    for (String[] route : ROUTES) {
      for (String method :
          List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO")) {
        if (method.equals(route[0])) {
          continue;
        }
        boolean sameWithOtherMethod =
            ROUTES.stream().anyMatch(o -> o[0].equals(method) && path(o[1]).equals(path(route[1])));
        if (sameWithOtherMethod) {
          continue;
        }
        b.add(method + " " + route[1], method, route[1], Map.of(), new byte[0], 405);
      }
    }
  }

  private static String path(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  private static void pathAndQueryCases(Builder b) {
    List<String> segments =
        List.of(
            "%00",
            "%0a",
            "a%0db",
            "%7f",
            "%c2%85",
            "%e2%80%a8",
            "%ff",
            "%zz",
            "%",
            "%2F",
            "a%2Fb",
            "%c3%28",
            "%ed%a0%80",
            "..%2F..",
            "x".repeat(256),
            "%20bob",
            "bob%20",
            "%C3%A9l%C3%A8ve",
            "a+b",
            "x".repeat(3800));
    for (String s : segments) {
      String n = shorten(s);
      b.add(
          "preferences of " + n,
          "GET",
          "/v1/users/" + s + "/preferences",
          Map.of(),
          new byte[0],
          0);
      b.add(
          "save preferences of " + n,
          "PUT",
          "/v1/users/" + s + "/preferences",
          Map.of(),
          utf8("{}"),
          0);
      b.add(
          "stop " + n,
          "DELETE",
          "/v1/launches/" + s + "?event=server-stopped",
          Map.of(),
          new byte[0],
          0);
      b.add("options for " + n, "GET", "/v1/options?user=" + s, Map.of(), new byte[0], 0);
      b.add(
          "options group " + n, "GET", "/v1/options?user=bob&group=" + s, Map.of(), new byte[0], 0);
      b.add(
          "stop server " + n,
          "DELETE",
          "/v1/launches/bob?event=server-stopped&server=" + s,
          Map.of(),
          new byte[0],
          0);
      b.add("stop event " + n, "DELETE", "/v1/launches/bob?event=" + s, Map.of(), new byte[0], 400);
      b.add("decision " + n, "GET", "/v1/decisions/d-" + s, Map.of(), new byte[0], 0);
      b.add(
          "explain " + n,
          "POST",
          "/v1/decisions?explain=" + s,
          Map.of(),
          utf8("{\"user\":\"bob\"}"),
          400);
    }
    for (String id : List.of("x", "D-UPPER", "d-" + "a".repeat(70), "1", "d-", "-d")) {
      b.add("decision id " + shorten(id), "GET", "/v1/decisions/" + id, Map.of(), new byte[0], 400);
    }
    b.add("long path", "GET", "/v1/launches/" + "a".repeat(5000), Map.of(), new byte[0], 414);
    b.add(
        "long query",
        "GET",
        "/v1/options?user=bob" + "&group=g".repeat(600),
        Map.of(),
        new byte[0],
        414);
    b.add(
        "400 groups",
        "GET",
        "/v1/options?user=bob" + "&group=g".repeat(400) + "&group=h".repeat(0),
        Map.of(),
        new byte[0],
        0);
    b.add("dot segments", "GET", "/v1/../v1/config", Map.of(), new byte[0], 0);
    b.add("double slash", "GET", "//v1//config", Map.of(), new byte[0], 0);
    b.add("trailing slash", "GET", "/v1/config/", Map.of(), new byte[0], 0);
    b.add("unknown path", "GET", "/v2/nothing", Map.of(), new byte[0], 404);
    b.add("unknown v1 path", "POST", "/v1/nothing", Map.of(), utf8("{}"), 404);
  }

  private static void framingCases(Builder b) {
    String auth = "Authorization: Bearer " + b.token + "\r\n";
    b.raw("garbage", "BLAH\r\n\r\n", 400);
    b.raw("bad version", "GET /v1/config HTTP/9.9\r\nHost: x\r\n" + auth + "\r\n", VERTX_OWN);
    b.raw(
        "bad length",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: abc\r\n\r\n",
        400);
    b.raw(
        "negative length",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: -5\r\n\r\n",
        400);
    b.raw(
        "two lengths",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        400);
    b.raw(
        "bad chunk",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        400);
    b.raw("no host", "GET /v1/config HTTP/1.1\r\n" + auth + "Connection: close\r\n\r\n", 400);
    b.raw(
        "huge header",
        "GET /v1/config HTTP/1.1\r\nHost: x\r\n" + auth + "X-Big: " + "a".repeat(9000) + "\r\n\r\n",
        431);
    b.raw(
        "many headers",
        "GET /v1/config HTTP/1.1\r\nHost: x\r\n" + auth + "X-A: b\r\n".repeat(2000) + "\r\n",
        431);
    b.raw(
        "expect too big",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 99999999\r\nExpect: 100-continue\r\n\r\n",
        413);
    b.raw(
        "length too big",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 99999999999999999999\r\n\r\n",
        0);
    b.raw(
        "expect other",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 2\r\nExpect: tea\r\nConnection: close\r\n\r\n{}",
        417);
    b.raw(
        "expect continue",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "Content-Length: 14\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{\"user\":\"bob\"}",
        200);
    b.raw(
        "absolute form",
        "GET http://x/v1/config HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n",
        200);
    b.raw(
        "space in path",
        "GET /v1/con fig HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n",
        0);
    b.raw(
        "NUL in header",
        "GET /v1/config HTTP/1.1\r\nHost: x\r\n"
            + auth
            + "X-A: a\u0000b\r\nConnection: close\r\n\r\n",
        0);
    b.raw(
        "no token",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        401);
    b.raw(
        "bad token",
        "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u0000\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        0);
    b.raw(
        "HTTP/1.0",
        "POST /v1/decisions HTTP/1.0\r\nHost: x\r\n"
            + auth
            + "Content-Length: 14\r\n\r\n{\"user\":\"bob\"}",
        200);
  }

  /** JSON pointers of every node below the root (not the root itself). */
  private static void pointers(JsonNode n, String at, List<String> out) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = at + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
        out.add(p);
        pointers(e.getValue(), p, out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        String p = at + "/" + i;
        out.add(p);
        pointers(n.get(i), p, out);
      }
    }
  }

  /** {@code root} with the node at {@code pointer} replaced (or added) by {@code value}. */
  static ObjectNode replace(ObjectNode root, String pointer, JsonNode value) {
    ObjectNode copy = root.deepCopy();
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = copy.at(pointer.substring(0, slash));
    String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    if (parent instanceof ObjectNode o) {
      o.set(last, value);
    } else if (parent instanceof ArrayNode a) {
      a.set(Integer.parseInt(last), value);
    }
    return copy;
  }

  static byte[] utf8(String s) {
    // Lone surrogates stay as they are: written as JSON escapes by Jackson, never as bytes here.
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static String shorten(String s) {
    String escaped = io.hubpolicy.format.RequestFields.printable(s, 40);
    return escaped;
  }

  @Override
  public String toString() {
    return name;
  }

  private static final class Builder {
    final String token;
    final List<HostileCorpus> cases = new ArrayList<>();

    Builder(String token) {
      this.token = token;
    }

    void add(
        String name,
        String method,
        String target,
        Map<String, String> headers,
        byte[] body,
        int expected) {
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1\r\n");
      head.append("Authorization: Bearer ").append(token).append("\r\n");
      if (!headers.containsKey("Content-Type") && body.length > 0) {
        head.append("Content-Type: application/json\r\n");
      }
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      cases.add(
          new HostileCorpus(
              name, RawHttp.request(head.toString(), body), method.equals("HEAD"), expected));
    }

    void chunked(String name, String method, String target, byte[] body, int expected) {
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1\r\nAuthorization: Bearer ").append(token).append("\r\n");
      head.append("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n");
      head.append("Connection: close\r\n\r\n");
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      for (int i = 0; i < body.length; i += 32 * 1024) {
        int n = Math.min(32 * 1024, body.length - i);
        chunks.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunks.write(body, i, n);
        chunks.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      chunks.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      cases.add(
          new HostileCorpus(
              name, RawHttp.request(head.toString(), chunks.toByteArray()), false, expected));
    }

    void raw(String name, String request, int expected) {
      cases.add(new HostileCorpus(name, request.getBytes(StandardCharsets.UTF_8), false, expected));
    }
  }
}
