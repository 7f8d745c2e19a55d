package io.hubpolicy.authoring;

import io.hubpolicy.api.DecideCall;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The requests {@code hubpolicy diff} replays, one per line, each line either an audit record as
 * {@code serve} writes it or a request body ({@code POST /v1/decisions}) as {@code workload} writes
 * it; which one is told per line, so one file may mix both. An audit record replays exactly the
 * request it recorded, saved choices included; a body replays without saved choices (the hub's body
 * has none; {@code serve} adds them from its store).
 */
public final class DiffRequests {
  /** Longer lines are not ones hubpolicy wrote; refusing them bounds memory. */
  public static final int MAX_LINE = 16 * 1024 * 1024;

  /** The keys of an audit record's {@code input}; anything else cannot be replayed exactly. */
  private static final Set<String> INPUT_KEYS =
      Set.of(
          "user", "groups", "image", "size", "server", "userId", "gpu", "gpuType", "preferences");

  private static final Set<String> VARIABLE_KEYS = Set.of("name", "value", "secret");

  private DiffRequests() {}

  /** Where a line came from. */
  public enum Kind {
    AUDIT,
    BODY
  }

  /**
   * One line's request.
   *
   * @param decisionId and {@code revision}: the recorded decision's, for an audit record; else null
   */
  public record Replayable(
      long line, Kind kind, SpawnRequest request, String decisionId, String revision) {}

  /** A line that is neither an audit record nor a request body. */
  public static final class BadLineException extends RuntimeException {
    public BadLineException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The request on one line.
   *
   * @throws BadLineException saying what is wrong with it
   */
  public static Replayable parse(byte[] bytes, long line) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new BadLineException("not UTF-8 text");
    }
    if (line == 1 && text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    JsonNode root;
    try {
      root = JsonBodies.object(text, "the fields of a request body, or an audit record");
    } catch (InvalidRequestException e) {
      String why = e.getMessage().replaceFirst("^request body (is )?", "");
      throw new BadLineException("neither an audit record nor a request body: " + why);
    }
    JsonNode input = root.get("input");
    if (input != null) {
      return audit(root, input, line);
    }
    try {
      return new Replayable(line, Kind.BODY, DecideCall.of(root).request(), null, null);
    } catch (InvalidRequestException e) {
      throw new BadLineException("not a request body: " + e.getMessage());
    }
  }

  private static Replayable audit(JsonNode root, JsonNode input, long line) {
    try {
      if (!input.isObject()) {
        throw new InvalidRequestException("input", "input must be an object");
      }
      String id = RequestFields.decisionId(text(root, "decisionId"), "decisionId");
      String revision = text(root, "revision");
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      JsonNode saved = null;
      for (Map.Entry<String, JsonNode> e : input.properties()) {
        if (!INPUT_KEYS.contains(e.getKey())) {
          throw new InvalidRequestException(
              "input",
              "input has "
                  + RequestFields.quote(e.getKey())
                  + ", which this version cannot replay (known: "
                  + String.join(", ", INPUT_KEYS.stream().sorted().toList())
                  + ")");
        }
        if (e.getKey().equals("preferences")) {
          saved = e.getValue();
        } else {
          body.set(e.getKey(), e.getValue());
        }
      }
      SpawnRequest request;
      try {
        request = DecideCall.of(body).request();
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException("input", "input." + e.getMessage());
      }
      return new Replayable(
          line, Kind.AUDIT, request.withPreferences(preferences(saved)), id, revision);
    } catch (InvalidRequestException e) {
      throw new BadLineException("not an audit record: " + e.getMessage());
    }
  }

  /** The saved choices as applied: a GPU count and the user's own variables. */
  private static UserPreferences preferences(JsonNode saved) {
    if (saved == null || saved.isNull()) {
      return UserPreferences.NONE;
    }
    if (!saved.isObject()) {
      throw bad("input.preferences must be an object {gpu, env}");
    }
    for (String k : saved.propertyNames()) {
      if (!k.equals("gpu") && !k.equals("env")) {
        throw bad("input.preferences has " + RequestFields.quote(k) + " (known: env, gpu)");
      }
    }
    Integer gpu = null;
    JsonNode g = saved.get("gpu");
    if (g != null && !g.isNull()) {
      if (!g.isIntegralNumber()
          || g.bigIntegerValue().signum() < 0
          || g.bigIntegerValue().compareTo(BigInteger.valueOf(RequestFields.MAX_GPU)) > 0) {
        throw bad(
            "input.preferences.gpu must be a whole number from 0 to " + RequestFields.MAX_GPU);
      }
      gpu = g.intValue();
    }
    List<UserVariable> env = new ArrayList<>();
    JsonNode list = saved.get("env");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw bad("input.preferences.env must be a list of {name, value, secret}");
      }
      for (int i = 0; i < list.size(); i++) {
        env.add(variable(list.get(i), "input.preferences.env[" + i + "]"));
      }
    }
    return new UserPreferences(null, null, gpu, env);
  }

  private static UserVariable variable(JsonNode v, String where) {
    if (!v.isObject()) {
      throw bad(where + " must be an object {name, value, secret}");
    }
    for (String k : v.propertyNames()) {
      if (!VARIABLE_KEYS.contains(k)) {
        throw bad(where + " has " + RequestFields.quote(k) + " (known: name, secret, value)");
      }
    }
    JsonNode name = v.get("name");
    if (name == null || !name.isString() || name.asString().isEmpty()) {
      throw bad(where + ".name must be a variable name");
    }
    JsonNode secret = v.get("secret");
    if (secret != null && !secret.isNull() && !secret.isBoolean()) {
      throw bad(where + ".secret must be true or false");
    }
    JsonNode value = v.get("value");
    if (value != null && !value.isNull() && !value.isString()) {
      throw bad(where + ".value must be a string");
    }
    boolean isSecret = secret != null && secret.asBoolean(false);
    return new UserVariable(
        name.asString(), value == null || value.isNull() ? null : value.asString(), isSecret);
  }

  private static InvalidRequestException bad(String message) {
    return new InvalidRequestException("input", message);
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isString()) {
      throw new InvalidRequestException(field, field + " must be a string");
    }
    return n.asString();
  }

  /**
   * Splits a stream into lines ({@code \n}, a {@code \r} before it dropped), never holding more
   * than {@link #MAX_LINE} bytes of one line.
   */
  public static final class Lines {
    /** One line's bytes, or {@code tooLong} with none of them. */
    public record Raw(long number, byte[] bytes, boolean tooLong) {}

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;
    private long number;
    private byte[] line = new byte[1024];

    public Lines(InputStream in) {
      this.in = in;
    }

    /** The next line, or null at the end of the stream. */
    public Raw next() throws IOException {
      int len = 0;
      boolean tooLong = false;
      boolean any = false;
      while (true) {
        if (pos == end) {
          end = in.read(buf, 0, buf.length);
          pos = 0;
          if (end <= 0) {
            end = 0;
            if (!any) {
              return null;
            }
            break;
          }
        }
        any = true;
        int nl = -1;
        for (int i = pos; i < end; i++) {
          if (buf[i] == '\n') {
            nl = i;
            break;
          }
        }
        int stop = nl < 0 ? end : nl;
        int n = stop - pos;
        if (!tooLong) {
          if ((long) len + n > MAX_LINE) {
            tooLong = true;
          } else {
            if (len + n > line.length) {
              line = Arrays.copyOf(line, Math.max(len + n, Math.min(MAX_LINE, line.length * 2)));
            }
            System.arraycopy(buf, pos, line, len, n);
            len += n;
          }
        }
        pos = stop;
        if (nl >= 0) {
          pos++;
          break;
        }
      }
      number++;
      if (tooLong) {
        return new Raw(number, null, true);
      }
      if (len > 0 && line[len - 1] == '\r') {
        len--;
      }
      byte[] out = Arrays.copyOf(line, len);
      if (line.length > 64 * 1024) {
        line = new byte[1024]; // one long line does not keep its buffer for the rest of the file
      }
      return new Raw(number, out, false);
    }
  }
}
