package io.hubpolicy.api;

import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * A search of the audited decisions: the filters of {@code GET /v1/decisions}, gRPC {@code
 * ListDecisions} and {@code hubpolicy history}, checked once here for every edge. Every filter is
 * optional (null: any); answers are newest first, by (time, decision id), and a page continues
 * after its {@link Cursor}.
 *
 * @param group a group the user was in when deciding
 * @param rule a rule that fired
 * @param since from this instant, inclusive
 * @param until before this instant, exclusive
 * @param after the cursor of the previous page, or null for the first
 */
public record DecisionQuery(
    String user,
    String group,
    String image,
    String size,
    Boolean allowed,
    String rule,
    Instant since,
    Instant until,
    int limit,
    Cursor after) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  /** The parameters, as HTTP and the CLI name them. */
  public static final java.util.List<String> PARAMS =
      java.util.List.of(
          "user", "group", "image", "size", "allowed", "rule", "since", "until", "limit", "cursor");

  /**
   * Refuses a parameter that is not one of {@link #PARAMS} or one given twice, so a misspelt filter
   * is a 400 rather than a search that silently ignores it.
   */
  public static void checkNames(java.util.Map<String, java.util.List<String>> given) {
    for (var e : given.entrySet()) {
      if (!PARAMS.contains(e.getKey())) {
        throw new InvalidRequestException(
            e.getKey(),
            "unknown parameter "
                + RequestFields.quote(RequestFields.printable(e.getKey(), 64))
                + "; the filters are "
                + String.join(", ", PARAMS));
      }
      if (e.getValue().size() > 1) {
        throw new InvalidRequestException(e.getKey(), e.getKey() + " is given more than once");
      }
    }
  }

  /** Everything, newest first, one default page. */
  public static final DecisionQuery ALL =
      new DecisionQuery(null, null, null, null, null, null, null, null, DEFAULT_LIMIT, null);

  /**
   * From parameters as HTTP names them ({@code user group image size allowed rule since until limit
   * cursor}); {@code param} answers null (or empty) for one not given.
   *
   * @throws InvalidRequestException naming the parameter that is wrong
   */
  public static DecisionQuery parse(Function<String, String> param) {
    String user = given(param, "user");
    String group = given(param, "group");
    String rule = given(param, "rule");
    return new DecisionQuery(
        user == null ? null : RequestFields.user(user, "user"),
        group == null ? null : RequestFields.group(group, "group", "group"),
        RequestFields.image(given(param, "image"), "image"),
        RequestFields.size(given(param, "size"), "size"),
        bool(given(param, "allowed"), "allowed"),
        rule == null
            ? null
            : RequestFields.text(
                rule, "rule", RequestFields.MAX_NAME, "rule names are at most 255 characters"),
        instant(given(param, "since"), "since"),
        instant(given(param, "until"), "until"),
        limit(given(param, "limit")),
        Cursor.decode(given(param, "cursor")));
  }

  private static String given(Function<String, String> param, String name) {
    String v = param.apply(name);
    return v == null || v.isEmpty() ? null : v;
  }

  private static Boolean bool(String v, String field) {
    if (v == null) {
      return null;
    }
    return switch (v) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default ->
          throw new InvalidRequestException(
              field, field + " must be true or false; got " + RequestFields.quote(v));
    };
  }

  /** An ISO-8601 instant: {@code 2026-12-03T10:00:00Z} or with an offset ({@code +01:00}). */
  public static Instant instant(String v, String field) {
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw new InvalidRequestException(
            field,
            field
                + " must be an ISO-8601 instant such as 2026-12-03T10:00:00Z; got "
                + RequestFields.quote(RequestFields.printable(v, 64)));
      }
    }
  }

  private static int limit(String v) {
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > MAX_LIMIT) {
      throw new InvalidRequestException(
          "limit",
          "limit must be a whole number from 1 to "
              + MAX_LIMIT
              + "; got "
              + RequestFields.quote(RequestFields.printable(v, 32)));
    }
    return n;
  }

  public DecisionQuery withLimit(int n) {
    return new DecisionQuery(user, group, image, size, allowed, rule, since, until, n, after);
  }

  public DecisionQuery after(Cursor c) {
    return new DecisionQuery(user, group, image, size, allowed, rule, since, until, limit, c);
  }

  /** Whether an audit record (one line of the audit log, parsed) passes every filter. */
  public boolean matches(JsonNode record) {
    Instant t = time(record);
    if (t == null) {
      return false;
    }
    if (since != null && t.isBefore(since) || until != null && !t.isBefore(until)) {
      return false;
    }
    if (after != null && !after.isAfter(t, record.path("decisionId").asString(""))) {
      return false;
    }
    JsonNode input = record.path("input");
    if (user != null && !user.equals(input.path("user").asString(null))) {
      return false;
    }
    if (image != null && !image.equals(input.path("image").asString(null))) {
      return false;
    }
    if (size != null && !size.equals(input.path("size").asString(null))) {
      return false;
    }
    if (allowed != null && allowed != record.path("result").path("allowed").asBoolean(false)) {
      return false;
    }
    if (group != null && !contains(input.path("groups"), group, null)) {
      return false;
    }
    return rule == null || contains(record.path("firedRules"), rule, "rule");
  }

  private static boolean contains(JsonNode array, String value, String field) {
    for (JsonNode n : array) {
      if (value.equals((field == null ? n : n.path(field)).asString(null))) {
        return true;
      }
    }
    return false;
  }

  /** A record's time, or null if it has none that parses. */
  public static Instant time(JsonNode record) {
    try {
      return Instant.parse(record.path("time").asString(""));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Where a page ended: the (time, decision id) of its last, oldest record. Opaque to callers (URL
   * safe base64); the next page holds the records strictly older in (time, id) order.
   */
  public record Cursor(Instant time, String decisionId) {
    /** Newest first: by time, then decision id, both descending. */
    public static final Comparator<Cursor> NEWEST_FIRST =
        Comparator.comparing(Cursor::time).thenComparing(Cursor::decisionId).reversed();

    /** Whether a record at (t, id) comes after this cursor, newest first: is older than it. */
    public boolean isAfter(Instant t, String id) {
      int c = t.compareTo(time);
      return c < 0 || c == 0 && id.compareTo(decisionId) < 0;
    }

    public String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString((time + " " + decisionId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws InvalidRequestException naming {@code cursor} if it is not one a page gave
     */
    public static Cursor decode(String s) {
      if (s == null) {
        return null;
      }
      try {
        String text = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        int sp = text.indexOf(' ');
        return new Cursor(
            Instant.parse(text.substring(0, sp)),
            RequestFields.decisionId(text.substring(sp + 1), "cursor"));
      } catch (RuntimeException e) {
        throw new InvalidRequestException(
            "cursor",
            "cursor "
                + RequestFields.quote(RequestFields.printable(s, 64))
                + " is not one a page of decisions gave (pass the 'next' of the previous page"
                + " unchanged)");
      }
    }
  }
}
