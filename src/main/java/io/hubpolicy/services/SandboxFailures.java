package io.hubpolicy.services;

import static io.hubpolicy.services.TemplateRenderer.TEMPLATE_NAME;

import io.hubpolicy.services.SandboxRuntime.SandboxParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.velocity.exception.ExtendedParseException;
import org.apache.velocity.runtime.parser.ParseException;
import org.apache.velocity.runtime.parser.TemplateParseException;

/**
 * What a render threw, as the {@link RenderException} a template author reads: the line, and what
 * is wrong in words. The sandbox's own refusals and call failures (worded by {@link SandboxErrors})
 * get the reference as written in the template ({@code $l.get(99)}); Velocity's undefined and null
 * references, arithmetic, comparison and syntax errors are translated; anything else Velocity says
 * is scrubbed of Java names. The one place where exceptions become sentences.
 */
final class SandboxFailures {
  private static final Pattern LOCATION =
      Pattern.compile("\\s*(?:at )?" + TEMPLATE_NAME + "\\[line (\\d+), column (\\d+)\\]");
  private static final Pattern LEXICAL =
      Pattern.compile("Lexical error at line (\\d+), column (\\d+)");
  private static final Pattern UNSET = Pattern.compile("Variable (\\$\\S+) has not been set");
  private static final Pattern NULL_REFERENCE =
      Pattern.compile("Reference (\\$\\S+) evaluated to null");
  private static final Pattern NULL_ACCESS =
      Pattern.compile("Attempted to access '[^']*' on a null value");

  private static final Pattern MATH_OPERAND =
      Pattern.compile(
          "(?:Left|Right) side of math operation \\((.+)\\) (is not a Number|has a null value)");
  private static final Pattern NEGATED =
      Pattern.compile("Argument of unary negate \\((.+)\\) (is not a Number|has a null value)");
  private static final Pattern COMPARED_NULL =
      Pattern.compile("(?:Left|Right) side \\((.+)\\) of comparison operation has null value");
  private static final Pattern COMPARED =
      Pattern.compile("(Left|Right) side of comparison operation is not a number");

  /**
   * What a render error must never contain: Java packages and types, exception names, object
   * identities ({@code @5f0387ab}) or nested-class names ({@code $1}). {@link #scrub} is the last
   * line of defence for messages that come from Velocity itself.
   */
  private static final Pattern JAVA_NAMES =
      Pattern.compile(
          "(java|javax|jdk|sun|org\\.apache|org\\.slf4j|io\\.hubpolicy|com|tools\\.jackson)"
              + "\\.[a-zA-Z]|\\$[0-9]|@[0-9a-f]{4,}|Exception|\\bError\\b|\\bclass\\b");

  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("'?\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][\\w$]*(?:\\[])*'?");

  private SandboxFailures() {}

  /** A Velocity syntax error: its line, and the message in words. */
  static RenderException syntax(String source, ParseException e) {
    return new RenderException(source, parseLine(e), syntaxWords(firstLine(e.getMessage())), e);
  }

  /**
   * The RenderException for what a render threw: the sandbox's own refusals and call failures
   * (worded by {@link SandboxErrors}) with the reference as written, Velocity's undefined and null
   * references in words, anything else from Velocity with Java names scrubbed.
   */
  static RenderException failure(
      String source,
      String velocityText,
      Set<String> defined,
      Map<String, String> unset,
      RuntimeException e) {
    SandboxViolation violation = find(e, SandboxViolation.class);
    if (violation != null) {
      int[] place =
          violation.line() > 0
              ? new int[] {violation.line(), violation.column()}
              : velocityPlace(e);
      return new RenderException(
          source,
          place[0],
          withReference(
              violation.getMessage(), violation.member(), place[0], place[1], velocityText));
    }
    SandboxParseException literal = RenderBudget.current().literalRefusal();
    if (literal != null) {
      // Refused inside an interpolated string literal; Velocity says where the literal is.
      int at = velocityPlace(e)[0];
      return new RenderException(source, at > 0 ? at + literal.line() - 1 : 0, literal.reason());
    }
    int[] place = velocityPlace(e);
    int line = place[0];
    String message = e.getMessage() == null ? "" : firstLine(e.getMessage());
    Matcher notSet = UNSET.matcher(message);
    if (notSet.find()) {
      String ref = notSet.group(1);
      String why = unset.get(rootName(ref));
      return new RenderException(
          source,
          line,
          "undefined variable "
              + ref
              + (why == null ? "" : " (" + why + ")")
              + definedList(defined),
          e);
    }
    Matcher nullReference = NULL_REFERENCE.matcher(message);
    if (nullReference.find()) {
      return new RenderException(
          source, line, nullReference.group(1) + " is undefined or null" + definedList(defined), e);
    }
    if (NULL_ACCESS.matcher(message).find()) {
      return new RenderException(source, line, nullAccess(velocityText, line, place[1]), e);
    }
    return new RenderException(source, line, velocity(message), e);
  }

  /** {@code userid} of {@code $userid}, {@code ${userid}} or {@code $userid.x}. */
  private static String rootName(String ref) {
    String r = ref.replaceFirst("^\\$!?\\{?", "");
    int end = 0;
    while (end < r.length()
        && (Character.isLetterOrDigit(r.charAt(end))
            || r.charAt(end) == '_'
            || r.charAt(end) == '-')) {
      end++;
    }
    return r.substring(0, end);
  }

  private static String definedList(Set<String> defined) {
    return defined.isEmpty()
        ? "; no variables are defined"
        : "; defined variables: " + String.join(", ", defined);
  }

  /**
   * "get(): there is no item 99" becomes "$l.get(99): there is no item 99" when the reference can
   * be found in the template line at column; "get()" from an index, "$l[99]: ...".
   */
  private static String withReference(
      String reason, String member, int lineNumber, int column, String velocityText) {
    if (member == null || lineNumber <= 0 || column <= 0) {
      return reason;
    }
    String line = templateLine(velocityText, lineNumber);
    if (line == null || line.isEmpty()) {
      return reason;
    }
    int at = Math.min(column - 1, line.length() - 1);
    int start = line.lastIndexOf('$', at);
    if (start < 0) {
      return reason;
    }
    boolean method = member.endsWith("()");
    int end;
    if (method && line.charAt(at) == '[') {
      end = closing(line, at + 1, '[', ']'); // $l[99] is a call of get()
    } else {
      String name = method ? member.substring(0, member.length() - 2) + "(" : member;
      int found = nearest(line, name, start, at);
      if (found < 0) {
        return reason;
      }
      end = found + name.length();
      if (method) {
        end = closing(line, end, '(', ')');
      }
    }
    if (end < 0) {
      return reason;
    }
    String reference = withoutBraces(line.substring(start, end));
    return reference.length() > 120 ? reason : reference + reason.substring(member.length());
  }

  /**
   * "$z.length(): $z is empty (null)", from Velocity's "Attempted to access ... on a null value"
   * with the column of the member that was read.
   */
  private static String nullAccess(String velocityText, int lineNumber, int column) {
    String fallback = "a method or property is used on an empty (null) value";
    String line = lineNumber > 0 ? templateLine(velocityText, lineNumber) : null;
    if (line == null || column < 2 || column > line.length()) {
      return fallback;
    }
    int at = column - 1;
    int start = line.lastIndexOf('$', at);
    if (start < 0 || line.charAt(at - 1) != '.') {
      return fallback;
    }
    int end = at;
    while (end < line.length() && Character.isJavaIdentifierPart(line.charAt(end))) {
      end++;
    }
    if (end < line.length() && line.charAt(end) == '(') {
      end = closing(line, end + 1, '(', ')');
    }
    if (end < 0) {
      return fallback;
    }
    String empty = withoutBraces(line.substring(start, at - 1)).replaceFirst("^\\$!", "\\$");
    String reference = withoutBraces(line.substring(start, end));
    return reference.length() > 120
        ? empty + " is empty (null)"
        : reference + ": " + empty + " is empty (null)";
  }

  private static String templateLine(String velocityText, int lineNumber) {
    String[] lines = velocityText.split("\r\n|\r|\n", -1);
    return lineNumber <= lines.length ? lines[lineNumber - 1] : null;
  }

  /** The occurrence of name in line, from start on, that begins nearest to index at. */
  private static int nearest(String line, String name, int start, int at) {
    int best = -1;
    for (int i = line.indexOf(name, start); i >= 0; i = line.indexOf(name, i + 1)) {
      if (best < 0 || Math.abs(i - at) < Math.abs(best - at)) {
        best = i;
      }
    }
    return best;
  }

  /** Index after the bracket closing the one opened before from, -1 if none. */
  private static int closing(String line, int from, char open, char close) {
    int depth = 1;
    int end = from;
    while (end < line.length() && depth > 0) {
      char c = line.charAt(end++);
      depth += c == open ? 1 : c == close ? -1 : 0;
    }
    return depth > 0 ? -1 : end;
  }

  /** ${a.b} and $!{a.b} as $a.b and $!a.b. */
  private static String withoutBraces(String reference) {
    return reference.replaceFirst("^\\$(!?)\\{", "\\$$1");
  }

  /**
   * Line and column of the innermost Velocity exception on the chain that knows them, before the
   * sandbox's own exception: where the failing call or reference is.
   */
  private static int[] velocityPlace(Throwable e) {
    int[] place = {0, 0};
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof ExtendedParseException x && x.getLineNumber() > 0) {
        place = new int[] {x.getLineNumber(), x.getColumnNumber()};
      } else {
        Matcher location = t.getMessage() == null ? null : LOCATION.matcher(t.getMessage());
        if (location != null && location.find()) {
          place =
              new int[] {Integer.parseInt(location.group(1)), Integer.parseInt(location.group(2))};
        }
      }
      if (t instanceof SandboxViolation) {
        break;
      }
    }
    return place;
  }

  private static int parseLine(ParseException e) {
    if (e instanceof TemplateParseException t && t.getLineNumber() > 0) {
      return t.getLineNumber();
    }
    if (e.currentToken != null && e.currentToken.next != null) {
      return e.currentToken.next.beginLine;
    }
    Matcher lexical = e.getMessage() == null ? null : LEXICAL.matcher(e.getMessage());
    if (lexical != null && lexical.find()) {
      return Integer.parseInt(lexical.group(1));
    }
    return velocityPlace(e)[0];
  }

  /** First line of a Velocity message, without its " at template[line x, column y]". */
  private static String firstLine(String message) {
    String first =
        message
            .lines()
            .findFirst()
            .orElse("")
            .replaceAll("org\\.apache\\.velocity\\.\\S+: ", "")
            .strip();
    Matcher location = LOCATION.matcher(first);
    return location.find()
        ? location.replaceFirst(" at column " + location.group(2)).strip()
        : first;
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  // --- Velocity's own messages ---

  /**
   * A Velocity parse error, "Encountered \"}\" at column 16", as "unexpected \"}\" at column 16".
   */
  private static String syntaxWords(String message) {
    String words = message;
    Matcher lexical = LEXICAL.matcher(words);
    if (lexical.find()) {
      words =
          words.contains("Encountered: <EOF>")
              ? "the template ends inside a string or a reference (a quote or a bracket is not"
                  + " closed)"
              : "a character at column " + lexical.group(2) + " cannot be read here";
    } else if (words.startsWith("Encountered \"\\u001c\"")
        || words.startsWith("Encountered \"<EOF>\"")) {
      words =
          "the template ends too early"
              + words.substring(words.indexOf('"', 13) + 1)
              + " (a directive, a reference or a string is not closed)";
    } else if (words.startsWith("Encountered ")) {
      words = "unexpected " + words.substring("Encountered ".length());
    }
    return "Velocity syntax error: " + scrub(words);
  }

  /**
   * Velocity's own runtime messages (arithmetic, comparisons) in words; others {@link #scrub}bed.
   */
  private static String velocity(String message) {
    if (message.startsWith("Failed to parse String literal")) {
      return "a string in double quotes is not valid Velocity: a # or $ in it starts a directive"
          + " or a reference (use single quotes for text that is not interpolated)";
    }
    if (message.startsWith("Right side of division operation is zero")) {
      return "division by zero";
    }
    if (message.startsWith("Right side of modulus operation is zero")) {
      return "the right side of % is zero";
    }
    Matcher m = MATH_OPERAND.matcher(message);
    if (m.find()) {
      return m.group(1) + operand(m.group(2)) + ", so it cannot be used in arithmetic";
    }
    m = NEGATED.matcher(message);
    if (m.find()) {
      return m.group(1) + operand(m.group(2)) + ", so it cannot be negated";
    }
    m = COMPARED_NULL.matcher(message);
    if (m.find()) {
      return m.group(1) + " is empty (null), so it cannot be compared";
    }
    m = COMPARED.matcher(message);
    if (m.find()) {
      return "the "
          + m.group(1).toLowerCase(Locale.ROOT)
          + " side of the comparison is not a number, so they cannot be compared with <, >, <= or"
          + " >=";
    }
    return scrub(message);
  }

  private static String operand(String velocityWords) {
    return velocityWords.startsWith("is not") ? " is not a number" : " is empty (null)";
  }

  /**
   * A message from Velocity itself (syntax errors and the like) with anything that names Java
   * replaced: a qualified class name becomes "a value", the rest of the sentence stays.
   */
  private static String scrub(String message) {
    if (message == null || message.isBlank()) {
      return "the template cannot be rendered at this point";
    }
    String scrubbed = QUALIFIED_NAME.matcher(message).replaceAll("a value");
    scrubbed = scrubbed.replaceAll("@[0-9a-f]{4,}", "");
    if (JAVA_NAMES.matcher(scrubbed).find()) {
      return "the template cannot be rendered at this point";
    }
    return scrubbed;
  }
}
