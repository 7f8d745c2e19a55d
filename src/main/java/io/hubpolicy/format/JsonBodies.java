package io.hubpolicy.format;

import io.hubpolicy.model.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request bodies: strictly decoded UTF-8 holding a JSON object, or a 400 that says what was
 * expected and where. A body is refused for a duplicate key, nesting deeper than {@link
 * #MAX_DEPTH}, or a string anywhere in it that is not Unicode (a lone surrogate from a {@code
 * \ud800} escape), so that nothing read from a request can later fail to be written as UTF-8.
 */
public final class JsonBodies {
  /**
   * Objects and lists inside each other. The deepest field of a pod is about 12 levels down
   * (affinity terms), an AdmissionReview adds 3, and managedFields mirror the pod: 64 leaves room
   * and refuses what no API object needs.
   */
  public static final int MAX_DEPTH = 64;

  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private JsonBodies() {}

  /**
   * The text of a request body, decoded as UTF-8 strictly (a UTF-8 byte order mark is dropped).
   *
   * @throws InvalidRequestException for {@code body}, naming the byte where decoding failed
   */
  public static String utf8(byte[] bytes) {
    int start =
        bytes.length >= 3
                && (bytes[0] & 0xff) == 0xef
                && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf
            ? 3
            : 0;
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length - start);
    CoderResult r = decoder.decode(in, out, true);
    if (r.isUnderflow()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int at = in.position();
      throw new InvalidRequestException(
          "body",
          "request body is not valid UTF-8: byte "
              + (at + 1)
              + " (0x"
              + String.format("%02x", bytes[Math.min(at, bytes.length - 1)] & 0xff)
              + ") "
              + (r.isMalformed() ? "is not valid UTF-8 there" : "is not a character")
              + " (line "
              + line(out)
              + "); send JSON in UTF-8");
    }
    out.flip();
    return out.toString();
  }

  private static int line(CharBuffer decodedSoFar) {
    int line = 1;
    for (int i = 0; i < decodedSoFar.position(); i++) {
      if (decodedSoFar.get(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  /** A field that carries JSON as text (a pod over gRPC): any JSON value, else a 400 for it. */
  public static JsonNode value(String text, String field) {
    JsonNode n;
    try {
      n = MAPPER.readTree(text);
    } catch (JacksonException e) {
      throw invalid(field, Words.of(e, field), e);
    }
    requireUnicode(n, field, field);
    return n;
  }

  /**
   * @param fields what the object should hold, for the message, e.g. "user, groups, image"
   */
  public static JsonNode object(String body, String fields) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body == null ? "" : body);
    } catch (JacksonException e) {
      throw invalid("body", Words.of(e, "request body"), e);
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new InvalidRequestException(
          "body", "request body must be a JSON object with " + fields);
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      String problem = RequestFields.notUnicode(name);
      if (problem != null) {
        throw new InvalidRequestException("body", "a field name " + problem);
      }
      requireUnicode(e.getValue(), name, name);
    }
    return root;
  }

  /**
   * Refuses a string anywhere in {@code n}, names and values, that is not Unicode.
   *
   * @param field the request field {@code n} is, for the refusal
   * @param where how the message names {@code n}
   */
  public static void requireUnicode(JsonNode n, String field, String where) {
    StringBuilder path = new StringBuilder();
    String problem = firstNotUnicode(n, path);
    if (problem != null) {
      throw new InvalidRequestException(field, where + path + " " + problem);
    }
  }

  /** The problem of the first string that is not Unicode, its path put in {@code path}; or null. */
  private static String firstNotUnicode(JsonNode n, StringBuilder path) {
    if (n.isString()) {
      return RequestFields.notUnicode(n.asString());
    }
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        String problem = RequestFields.notUnicode(e.getKey());
        if (problem != null) {
          path.append(": a field name");
          return problem;
        }
        problem = firstNotUnicode(e.getValue(), path);
        if (problem != null) {
          path.insert(0, key(e.getKey()));
          return problem;
        }
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        String problem = firstNotUnicode(n.get(i), path);
        if (problem != null) {
          path.insert(0, "[" + i + "]");
          return problem;
        }
      }
    }
    return null;
  }

  private static String key(String name) {
    return name.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")
        ? "." + name
        : "[" + RequestFields.quote(name) + "]";
  }

  /** A refusal that keeps the library's exception as its cause, for the log (never the answer). */
  public static InvalidRequestException invalid(String field, String message, Throwable cause) {
    InvalidRequestException e = new InvalidRequestException(field, message);
    e.initCause(cause);
    return e;
  }
}
