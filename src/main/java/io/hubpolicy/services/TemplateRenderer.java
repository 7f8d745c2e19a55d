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
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.runtime.RuntimeConstants;
import org.apache.velocity.runtime.parser.ParseException;
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
 * never a Java type or exception text: the sandbox words its own ({@link SandboxErrors}), {@link
 * SandboxFailures} places them and translates Velocity's.
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

  static final String TEMPLATE_NAME = "template";

  /**
   * Made at the first render, not here: a Velocity runtime's set-up is ~15 ms of a start's CPU
   * (BENCHMARKS.md §5), and most decisions render nothing.
   */
  private volatile SandboxRuntime velocity;

  public TemplateRenderer() {}

  private SandboxRuntime velocity() {
    SandboxRuntime made = velocity;
    if (made == null) {
      synchronized (this) {
        made = velocity;
        if (made == null) {
          made = newRuntime();
          velocity = made;
        }
      }
    }
    return made;
  }

  private static SandboxRuntime newRuntime() {
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
    return runtime;
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
    return render(source, text, variables, Map.of());
  }

  /**
   * Renders text, where some known variables may be unset: a template that uses one fails with the
   * reason given for it.
   *
   * @param unset names that are not among {@code variables}, each with why it is not set
   */
  public String render(
      String source, String text, Map<String, Object> variables, Map<String, String> unset) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(unset, "unset");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(variables, "variables");
    Map<String, Object> data = new HashMap<>();
    variables.forEach((name, value) -> data.put(name, plain(name, value, 0)));
    Set<String> defined = new TreeSet<>(data.keySet());
    String velocityText =
        JinjaTranslator.isJinja(text) ? JinjaTranslator.translate(source, text) : text;
    SandboxRuntime velocity = velocity();

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
      throw SandboxFailures.syntax(source, e);
    } catch (RuntimeException e) {
      throw SandboxFailures.failure(source, velocityText, defined, unset, e);
    } catch (StackOverflowError e) {
      throw new RenderException(source, 0, "the template nests too deeply to render");
    } finally {
      RenderBudget.end();
    }
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
