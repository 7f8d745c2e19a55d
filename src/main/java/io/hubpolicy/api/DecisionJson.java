package io.hubpolicy.api;

import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.mutation.PodMutator;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The decision as JSON: the wire format of {@code decide}, {@code POST /v1/decisions} and the audit
 * log. Written by hand so the model stays free of serialization annotations and the field order is
 * the documented one.
 */
public final class DecisionJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final JsonMapper COMPACT = JsonMapper.builder().build();
  private static final JsonMapper ASCII =
      JsonMapper.builder()
          .enable(tools.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII)
          .build();
  private static final JsonMapper PRETTY =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private DecisionJson() {}

  /**
   * How much explanation to include ({@code ?explain=}, {@code --explain}, gRPC {@code explain}):
   *
   * <ul>
   *   <li>{@code none}: no {@code explanation};
   *   <li>{@code fields}: who set each field and what it overrode;
   *   <li>{@code close} (the default): the same, and why the profiles that came close did not apply
   *       (at most {@link #CLOSE_CAP}; see {@link io.hubpolicy.model.WhyNot}), with the counts of
   *       those and of all the profiles that did not apply. Costs about what the decision costs;
   *   <li>{@code full}: the same, and one page ({@code offset}, {@code limit}: default {@link
   *       #DEFAULT_LIMIT}, at most {@link #MAX_LIMIT}) of every profile that did not apply.
   * </ul>
   *
   * <p>{@code offset} and {@code limit} are 0 for the levels they do not apply to.
   */
  public record Explain(Level level, int offset, int limit) {
    /** From the least to the most said. */
    public enum Level {
      NONE,
      FIELDS,
      CLOSE,
      FULL
    }

    /** How many of the profiles that came close an answer lists. */
    public static final int CLOSE_CAP = 25;

    /** A page of {@code explain=full} without {@code limit}. */
    public static final int DEFAULT_LIMIT = 100;

    /** The longest page of {@code explain=full}. */
    public static final int MAX_LIMIT = 1000;

    public static final Explain NONE = new Explain(Level.NONE, 0, 0);
    public static final Explain FIELDS = new Explain(Level.FIELDS, 0, 0);
    public static final Explain CLOSE = new Explain(Level.CLOSE, 0, 0);

    /** The first page of {@code full}. */
    public static final Explain FULL = new Explain(Level.FULL, 0, DEFAULT_LIMIT);

    /**
     * As {@code ?explain=&offset=&limit=} and {@code --explain --offset --limit} give them: {@code
     * close}, {@code full}, {@code fields} or {@code none}, absent (null or empty) meaning close;
     * {@code offset} and {@code limit} may be absent, and are only for {@code full}.
     */
    public static Explain parse(String value, String offset, String limit) {
      Level level;
      if (value == null || value.isEmpty()) {
        level = Level.CLOSE;
      } else {
        try {
          level = Level.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new InvalidRequestException(
              "explain", "explain must be close, full, fields or none; got '" + value + "'");
        }
      }
      return of(level, number("offset", offset, 0), number("limit", limit, 0));
    }

    /**
     * Checks a level with its page, as gRPC gives them: 0 for an offset or a limit not given (a
     * limit of 0 is the default).
     */
    public static Explain of(Level level, int offset, int limit) {
      if (level != Level.FULL) {
        if (offset != 0 || limit != 0) {
          String field = offset != 0 ? "offset" : "limit";
          throw new InvalidRequestException(
              field,
              field
                  + " pages the list of every profile that did not apply, which only explain=full"
                  + " gives; ask for explain=full");
        }
        return switch (level) {
          case NONE -> NONE;
          case FIELDS -> FIELDS;
          default -> CLOSE;
        };
      }
      if (offset < 0) {
        throw new InvalidRequestException(
            "offset", "offset must be a whole number, 0 or more; got " + offset);
      }
      if (limit < 0 || limit > MAX_LIMIT) {
        throw new InvalidRequestException(
            "limit", "limit must be a whole number from 1 to " + MAX_LIMIT + "; got " + limit);
      }
      return new Explain(Level.FULL, offset, limit == 0 ? DEFAULT_LIMIT : limit);
    }

    /** A whole number given as text, {@code absent} when not given; 0 given is an error. */
    private static int number(String field, String text, int absent) {
      if (text == null || text.isEmpty()) {
        return absent;
      }
      int n;
      try {
        n = Integer.parseInt(text.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (field.equals("offset") ? n < 0 : n < 1) {
        throw new InvalidRequestException(
            field,
            field.equals("offset")
                ? "offset must be a whole number, 0 or more; got '" + text + "'"
                : "limit must be a whole number from 1 to " + MAX_LIMIT + "; got '" + text + "'");
      }
      return n;
    }
  }

  /**
   * The answer as a tree, for callers that add to it or read fields from it; {@link AnswerJson}
   * writes it (the hot paths take its bytes).
   */
  public static ObjectNode toJson(Decision d, PodMutator.Result pod, Explain explain) {
    return AnswerJson.tree(d, pod, explain, List.of());
  }

  /** One audit line as a tree ({@link AuditLine} writes it; the audit logs take its bytes). */
  public static ObjectNode auditLine(Decision d, String time) {
    return AuditLine.tree(d, time);
  }

  /** JSON with every non-ASCII character escaped: any string, even a broken one, is ASCII. */
  public static String ascii(JsonNode n) {
    return ASCII.writeValueAsString(n);
  }

  public static String compact(JsonNode n) {
    return COMPACT.writeValueAsString(n);
  }

  public static String pretty(JsonNode n) {
    return PRETTY.writeValueAsString(n);
  }
}
