package io.hubpolicy.format;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * An exception from a library (Jackson, fabric8, SnakeYAML) as words for a person: never a stack
 * trace, a Java class, a package or a library's feature name. Every message built from a library's
 * exception goes through here, so there is one place that decides what of it a user sees.
 *
 * <p>Jackson's exceptions are read for their structure (the path of the field, the type that was
 * expected, the token that was found, the line and column); only what has no structure (the words
 * of a JSON syntax error) is taken from the message, and cleaned.
 */
public final class Words {
  private Words() {}

  /**
   * Without a root: {@code spec.containers must be a list, found an object}; {@code the text is not
   * valid JSON: ...}.
   */
  public static String of(Throwable e) {
    return of(e, "");
  }

  /**
   * @param root how the message names the value that was read, e.g. {@code pod}: the path of the
   *     field at fault is appended to it ({@code pod.spec.containers must be a list...})
   */
  public static String of(Throwable e, String root) {
    JacksonException j = jackson(e);
    if (j != null) {
      return jackson(j, root == null ? "" : root);
    }
    String text = scrub(firstLine(e.getMessage()));
    return text.isBlank() ? "not valid" : text;
  }

  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The Jackson exception {@code e} is or wraps (fabric8 wraps Jackson's in its own), or null. */
  private static JacksonException jackson(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JacksonException j) {
        return j;
      }
    }
    return null;
  }

  private static String jackson(JacksonException e, String root) {
    String at = path(root, e.getPath());
    String subject = at.isEmpty() ? "the value" : at;
    if (e instanceof StreamReadException && !(e instanceof InputCoercionException)) {
      // Syntax: the path is that of the text being read, not a field's.
      subject = root.isEmpty() ? "the text" : root;
    }
    if (e instanceof PropertyBindingException p) {
      return subject + ": unknown field " + RequestFields.quote(p.getPropertyName());
    }
    if (e instanceof InvalidNullException) {
      return subject + " must not be null";
    }
    if (e instanceof InvalidFormatException f) {
      return subject + " must be " + expected(f.getTargetType()) + ", found " + found(f.getValue());
    }
    if (e instanceof MismatchedInputException m) {
      JsonToken token = m.getCurrentToken();
      if (token == null && m.processor() instanceof tools.jackson.core.JsonParser p) {
        token = p.currentToken();
      }
      return subject
          + " must be "
          + expected(m.getTargetType())
          + (token == null ? "" : ", found " + token(token));
    }
    if (e instanceof ValueInstantiationException v) {
      return subject
          + " must be "
          + expected(v.getType() == null ? null : v.getType().getRawClass());
    }
    if (e instanceof InputCoercionException c) {
      return subject
          + " is out of range: it must be "
          + expected(c.getTargetType())
          + range(c.getTargetType());
    }
    if (e instanceof StreamConstraintsException) {
      return subject + " is refused: " + constraint(e.getOriginalMessage());
    }
    if (e instanceof UnexpectedEndOfInputException) {
      return subject
          + " is not valid JSON: it ends too early (an object, list or string is not closed)"
          + location(e.getLocation());
    }
    if (e instanceof StreamReadException) {
      return subject
          + " is not valid JSON: "
          + syntax(e.getOriginalMessage())
          + location(e.getLocation());
    }
    // A JsonNode that cannot become what a model field wants (a list where a quantity goes).
    return subject + " has a value of the wrong type";
  }

  /** {@code root.spec.containers[0]["hub.jupyter.org/username"]}. */
  static String path(String root, List<JacksonException.Reference> refs) {
    StringBuilder b = new StringBuilder(root);
    for (JacksonException.Reference r : refs) {
      String name = r.getPropertyName();
      if (name != null) {
        if (name.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
          b.append(b.isEmpty() ? "" : ".").append(name);
        } else {
          b.append("[").append(RequestFields.quote(name)).append("]");
        }
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    // A deep path of long keys is shortened in the middle: where it starts and where it ends.
    return b.length() <= 240
        ? b.toString()
        : b.substring(0, Math.max(root.length(), 40)) + "…" + b.substring(b.length() - 160);
  }

  /** What a field of this Java type holds, in JSON's words. */
  static String expected(Class<?> type) {
    if (type == null) {
      return "a value of another type";
    }
    if (type == String.class || type == Character.class || type == char.class || type.isEnum()) {
      return "a string";
    }
    if (type == Integer.class || type == int.class || type == Short.class || type == short.class) {
      return "a whole number";
    }
    if (type == Long.class
        || type == long.class
        || type == java.math.BigInteger.class
        || type == Byte.class
        || type == byte.class) {
      return "a whole number";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (type == IntOrString.class) {
      return "a number or a string";
    }
    if (type == Quantity.class) {
      return "a quantity such as 500m, 2Gi or 4";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "an object";
    }
    return "an object";
  }

  private static String range(Class<?> type) {
    if (type == Integer.class || type == int.class) {
      return " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
    }
    if (type == Long.class || type == long.class) {
      return " from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
    }
    return "";
  }

  static String token(JsonToken t) {
    return switch (t) {
      case START_OBJECT, END_OBJECT, PROPERTY_NAME -> "an object";
      case START_ARRAY, END_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "a whole number";
      case VALUE_NUMBER_FLOAT -> "a number with a fraction";
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      case VALUE_NULL -> "null";
      default -> "another kind of value";
    };
  }

  private static String found(Object value) {
    if (value instanceof String s) {
      return RequestFields.quote(s);
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    return "a value of another type";
  }

  private static String location(TokenStreamLocation l) {
    if (l == null || l.getLineNr() < 1) {
      return "";
    }
    return " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
  }

  // Jackson's limits have no type of their own; its message says which one was hit.
  private static String constraint(String message) {
    String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
    String limit = number(m, "maximum allowed \\((\\d+)");
    if (m.contains("nesting depth")) {
      return "it nests objects and lists deeper than " + limit + " levels";
    }
    if (m.contains("number value length")) {
      return "it has a number longer than " + limit + " digits";
    }
    if (m.contains("string value length")) {
      return "it has a string longer than " + limit + " characters";
    }
    if (m.contains("name length")) {
      return "it has a field name longer than " + limit + " characters";
    }
    if (m.contains("document length") || m.contains("token count")) {
      return "it is larger than " + limit;
    }
    return "it goes beyond a size limit";
  }

  private static String number(String text, String regex) {
    java.util.regex.Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : "the limit";
  }

  private static final Pattern SOURCE =
      Pattern.compile(
          "\\s*\\((?:for \\w+ starting|start marker) at \\[Source:.*$|\\s*\\(?at \\[Source:.*$");
  private static final Pattern ENABLE = Pattern.compile(":?\\s*enable `[^`]*`.*$");
  private static final Pattern BACKTICKED = Pattern.compile("`[^`]*`");
  private static final Pattern QUALIFIED_EXCEPTION =
      Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?\\s*");
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:<[^>]*>)?");
  private static final Pattern TOKEN_NAME =
      Pattern.compile(
          "\\b(?:JsonToken\\.)?(START_OBJECT|END_OBJECT|START_ARRAY|END_ARRAY|PROPERTY_NAME"
              + "|VALUE_STRING|VALUE_NUMBER_INT|VALUE_NUMBER_FLOAT|VALUE_TRUE|VALUE_FALSE"
              + "|VALUE_NULL|VALUE_EMBEDDED_OBJECT)\\b");

  /**
   * The words of a JSON syntax error (Jackson keeps no structure for them): without where the text
   * came from, the feature that would allow it, or a token's enum name.
   */
  static String syntax(String message) {
    String m = firstLine(message);
    m = SOURCE.matcher(m).replaceFirst("");
    m = ENABLE.matcher(m).replaceFirst("");
    return scrub(m);
  }

  /**
   * The last resort for a message without structure: Java's qualified names, anything in backticks
   * (Jackson's way of naming its classes and features) and token names become words.
   */
  static String scrub(String message) {
    String m = SOURCE.matcher(message).replaceFirst("");
    m = ENABLE.matcher(m).replaceFirst("");
    m = BACKTICKED.matcher(m).replaceAll("a value");
    m = QUALIFIED_EXCEPTION.matcher(m).replaceAll("");
    m = QUALIFIED.matcher(m).replaceAll("a value");
    java.util.regex.Matcher t = TOKEN_NAME.matcher(m);
    StringBuilder b = new StringBuilder();
    while (t.find()) {
      t.appendReplacement(b, token(JsonToken.valueOf(t.group(1))));
    }
    t.appendTail(b);
    return b.toString().strip();
  }
}
