package io.hubpolicy.api;

import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a request's URI as text: path segments and query parameters, percent-decoded
 * strictly (a {@code %} not followed by two hex digits, or bytes that are not UTF-8, are a 400
 * naming the parameter, where Vert.x would decode {@code %ff} to U+FFFD). The values are then
 * checked by {@link RequestFields} like the same fields of a body.
 */
final class HttpFields {
  private HttpFields() {}

  /**
   * The last path segment after {@code prefix} (and before {@code suffix}), decoded.
   *
   * @param field what the segment is, for a refusal ({@code user}, {@code decision_id})
   */
  static String segment(RoutingContext ctx, String prefix, String suffix, String field) {
    String path = ctx.normalizedPath();
    if (!path.startsWith(prefix) || !path.endsWith(suffix)) {
      throw new InvalidRequestException(field, field + " is required in the path");
    }
    String raw = path.substring(prefix.length(), path.length() - suffix.length());
    return decode(raw, field, false);
  }

  /** The query's parameters, in order, each decoded ({@code +} is a space). */
  static Map<String, List<String>> query(RoutingContext ctx) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String q = ctx.request().query();
    if (q == null || q.isEmpty()) {
      return out;
    }
    for (String pair : q.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query", true);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), name, true);
      out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  /** The first value of a parameter, or null. */
  static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Every value of a parameter (none: an empty list). */
  static List<String> all(Map<String, List<String>> query, String name) {
    return query.getOrDefault(name, List.of());
  }

  static String decode(String raw, String field, boolean plusIsSpace) {
    if (raw.chars().allMatch(c -> c < 0x80 && c != '%' && !(plusIsSpace && c == '+'))) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
        if (lo < 0) {
          throw new InvalidRequestException(
              field,
              field
                  + " is not valid percent-encoding: '%' at position "
                  + (i + 1)
                  + " is not followed by two hex digits");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c < 0x100) {
        // The request line arrives as bytes, one char each: raw UTF-8 is decoded below.
        bytes.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidRequestException(
          field,
          field + " is not valid UTF-8 once percent-decoded (" + raw.length() + " characters)");
    }
  }
}
