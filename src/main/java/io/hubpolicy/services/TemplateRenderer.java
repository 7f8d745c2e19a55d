package io.hubpolicy.services;

import io.hubpolicy.services.SandboxRuntime.SandboxParseException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.CharBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.exception.ExtendedParseException;
import org.apache.velocity.runtime.RuntimeConstants;
import org.apache.velocity.runtime.parser.ParseException;
import org.apache.velocity.runtime.parser.TemplateParseException;
import org.apache.velocity.runtime.parser.node.SimpleNode;
import org.apache.velocity.runtime.resource.loader.StringResourceLoader;
import org.slf4j.helpers.NOPLogger;

/**
 * Renders side-service templates (Kubernetes manifests as YAML text) in a sandbox: their authors
 * are whoever can edit a ConfigMap. Two dialects:
 *
 * <ul>
 *   <li>Jinja style, when the text has {@code {{} or {@code {%}: only {@code {{ name }}} and
 *       {@code {{ a.b }}} substitutions; all other text is output as written;
 *   <li>otherwise Velocity ({@code $name}, {@code ${a.b}}, {@code #if}, {@code #foreach}, {@code
 *       #set}).
 * </ul>
 *
 * <p>The sandbox: strict references (an undefined variable is an error); calls and property reads
 * only on plain data ({@link SandboxUberspector}); no resource loading and no {@code #include},
 * {@code #parse}, {@code #evaluate}, {@code #define}, {@code #macro}; a loop may run {@link
 * #MAX_LOOPS} times and all loops of a render {@link #MAX_TOTAL_ITERATIONS} times, more is an error;
 * ranges larger than a loop are refused; strings and other values a template builds are bounded,
 * as are the output, the work and the time of a render. Variables are data, never re-parsed. Only
 * plain data becomes text (strings, numbers, booleans, characters, and lists, maps and map entries
 * of those, as Java prints them); an iterator or {@code $foreach} is refused wherever Java would
 * print it as an object ({@link SandboxRuntime.OutputGuard}). Strict math: arithmetic on null or
 * text, and division by zero, are errors.
 *
 * <p>Every failure is a {@link RenderException} naming the line and saying what is wrong in words,
 * never a Java type or exception text: the sandbox words its own ({@link SandboxErrors}), the rest
 * of Velocity's messages are translated or scrubbed here.
 *
 * <p>One Velocity runtime per instance; {@link #render} may be called from several threads.
 */
public final class TemplateRenderer {
  /** Passes of one #foreach; one more is an error, not a silent stop. */
  public static final int MAX_LOOPS = 1000;

  /** Passes of all #foreach loops of one render, nested loops included. */
  public static final int MAX_TOTAL_ITERATIONS = 10_000;

  /** Size of the rendered text, in UTF-8 bytes. */
  public static final int MAX_OUTPUT_BYTES = 1 << 20;

  /** Length of any value a template builds or keeps (strings, lists, maps as text). */
  public static final int MAX_VALUE_CHARS = 1 << 20;

  /** Depth of lists and maps within each other. */
  public static final int MAX_NESTING = 32;

  /** Wall time of one render, checked at loop passes, calls and writes. */
  public static final Duration RENDER_TIME_LIMIT = Duration.ofSeconds(5);

  /** Characters written into any writer or scanned by calls, in one render. */
  static final long MAX_WORK = 64L << 20;

  private static final String TEMPLATE_NAME = "template";
  private static final Pattern LOCATION =
      Pattern.compile("\\s*(?:at )?" + TEMPLATE_NAME + "\\[line (\\d+), column (\\d+)\\]");
  private static final Pattern LEXICAL =
      Pattern.compile("Lexical error at line (\\d+), column (\\d+)");
  private static final Pattern UNSET = Pattern.compile("Variable (\\$\\S+) has not been set");
  private static final Pattern NULL_REFERENCE =
      Pattern.compile("Reference (\\$\\S+) evaluated to null");
  private static final Pattern NULL_ACCESS =
      Pattern.compile("Attempted to access '[^']*' on a null value");

  private final SandboxRuntime velocity;

  public TemplateRenderer() {
    SandboxRuntime runtime = new SandboxRuntime();
    // Velocity logs every error it throws; the caller gets them as RenderException instead.
    runtime.setProperty(RuntimeConstants.RUNTIME_LOG_INSTANCE, NOPLogger.NOP_LOGGER);
    runtime.setProperty(RuntimeConstants.RUNTIME_REFERENCES_STRICT, "true");
    runtime.setProperty(RuntimeConstants.UBERSPECT_CLASSNAME, SandboxUberspector.class.getName());
    // No file or classpath loader: only a string loader with its own, empty repository.
    runtime.setProperty(RuntimeConstants.RESOURCE_LOADERS, "string");
    runtime.setProperty("resource.loader.string.class", StringResourceLoader.class.getName());
    runtime.setProperty(
        "resource.loader.string." + StringResourceLoader.REPOSITORY_STATIC, "false");
    runtime.setProperty(RuntimeConstants.VM_PERM_ALLOW_INLINE, "false");
    // Velocity stops a longer loop silently; one pass more lets SandboxUberspector raise the error.
    runtime.setProperty(RuntimeConstants.MAX_NUMBER_LOOPS, String.valueOf(MAX_LOOPS + 1));
    runtime.setProperty(RuntimeConstants.IMMUTABLE_RANGES, "true");
    // Arithmetic on null or a non-number, or a division by zero, is an error, not a silent null.
    runtime.setProperty(RuntimeConstants.STRICT_MATH, "true");
    runtime.init();
    // Only plain data is written: an iterator or $foreach would print as a Java object.
    runtime.getApplicationEventCartridge().addEventHandler(new SandboxRuntime.OutputGuard());
    for (String directive : List.of("include", "parse", "evaluate")) {
      // Refused in the parsed tree with a clear message; removed as well, in case.
      runtime.removeDirective(directive);
    }
    this.velocity = runtime;
  }

  /**
   * Renders text.
   *
   * @param source where the template came from, for messages ("ConfigMap x, key y")
   * @param text the template
   * @param variables plain data: String, Number, Boolean, Character, null (renders as ""), List,
   *     Map, nested
   * @throws RenderException when the template is invalid or the sandbox refuses it
   * @throws IllegalArgumentException when a variable is not plain data
   */
  public String render(String source, String text, Map<String, Object> variables) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(variables, "variables");
    Map<String, Object> data = new HashMap<>();
    variables.forEach((name, value) -> data.put(name, plain(name, value, 0)));
    Set<String> defined = new TreeSet<>(data.keySet());
    String velocityText =
        JinjaTranslator.isJinja(text) ? JinjaTranslator.translate(source, text) : text;

    RenderBudget.start();
    try {
      Template template = new Template();
      template.setName(TEMPLATE_NAME);
      SimpleNode tree = velocity.parseTemplate(new StringReader(velocityText), template);
      OutputWriter out = new OutputWriter();
      velocity.render(new SandboxContext(data), out, TEMPLATE_NAME, tree);
      return out.toString();
    } catch (SandboxParseException e) {
      throw new RenderException(source, e.line(), e.reason());
    } catch (ParseException e) {
      throw new RenderException(
          source, parseLine(e), SandboxErrors.syntax(firstLine(e.getMessage())), e);
    } catch (RuntimeException e) {
      throw failure(source, velocityText, defined, e);
    } catch (StackOverflowError e) {
      throw new RenderException(source, 0, "the template nests too deeply to render");
    } finally {
      RenderBudget.end();
    }
  }

  /**
   * The RenderException for what a render threw: the sandbox's own refusals and call failures
   * (worded by {@link SandboxErrors}) with the reference as written, Velocity's undefined and null
   * references in words, anything else from Velocity with Java names scrubbed.
   */
  private static RenderException failure(
      String source, String velocityText, Set<String> defined, RuntimeException e) {
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
    Matcher unset = UNSET.matcher(message);
    if (unset.find()) {
      return new RenderException(
          source, line, "undefined variable " + unset.group(1) + definedList(defined), e);
    }
    Matcher nullReference = NULL_REFERENCE.matcher(message);
    if (nullReference.find()) {
      return new RenderException(
          source, line, nullReference.group(1) + " is undefined or null" + definedList(defined), e);
    }
    if (NULL_ACCESS.matcher(message).find()) {
      return new RenderException(source, line, nullAccess(velocityText, line, place[1]), e);
    }
    return new RenderException(source, line, SandboxErrors.velocity(message), e);
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

  /** A read-only copy of a variable's value, nulls as "", or IllegalArgumentException. */
  private static Object plain(String path, Object value, int depth) {
    if (depth > MAX_NESTING) {
      throw new IllegalArgumentException(
          "variable " + path + " nests more than " + MAX_NESTING + " levels deep");
    }
    if (value == null) {
      return "";
    }
    if (value instanceof String || value instanceof Boolean || value instanceof Character) {
      return value;
    }
    if (SandboxUberspector.NUMBERS.contains(value.getClass())) {
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), plain(path + "." + k, v, depth + 1)));
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof Collection<?> collection) {
      List<Object> copy = new ArrayList<>(collection.size());
      int i = 0;
      for (Object element : collection) {
        copy.add(plain(path + "[" + i++ + "]", element, depth + 1));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new IllegalArgumentException(
        "variable "
            + path
            + " is a "
            + value.getClass().getName()
            + "; template variables are plain data: strings, numbers, booleans, lists and maps");
  }

  /** Every value a template keeps (#set, loop variables) is bounded. */
  private static final class SandboxContext extends VelocityContext {
    SandboxContext(Map<String, Object> data) {
      super(data);
    }

    @Override
    public Object internalPut(String key, Object value) {
      RenderBudget.checkValue(value, 0, "$" + key);
      return super.internalPut(key, value);
    }
  }

  /** The rendered text, at most MAX_OUTPUT_BYTES in UTF-8. */
  private static final class OutputWriter extends Writer {
    private final StringBuilder text = new StringBuilder();
    private long bytes;

    @Override
    public void write(char[] chars, int offset, int count) {
      count(CharBuffer.wrap(chars, offset, count));
      text.append(chars, offset, count);
    }

    @Override
    public void write(String s, int offset, int count) {
      count(s.subSequence(offset, offset + count));
      text.append(s, offset, offset + count);
    }

    private void count(CharSequence chars) {
      for (int i = 0; i < chars.length(); i++) {
        char c = chars.charAt(i);
        bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
      }
      RenderBudget.current().charge(chars.length(), 0);
      if (bytes > MAX_OUTPUT_BYTES) {
        throw new SandboxViolation(
            0, "rendered output exceeds " + (MAX_OUTPUT_BYTES >> 20) + " MiB");
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
