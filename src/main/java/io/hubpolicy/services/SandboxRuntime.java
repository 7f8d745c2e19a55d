package io.hubpolicy.services;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.Set;
import org.apache.velocity.Template;
import org.apache.velocity.app.event.ReferenceInsertionEventHandler;
import org.apache.velocity.context.Context;
import org.apache.velocity.context.InternalContextAdapter;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.parser.ParseException;
import org.apache.velocity.runtime.parser.node.ASTAddNode;
import org.apache.velocity.runtime.parser.node.ASTDirective;
import org.apache.velocity.runtime.parser.node.ASTIntegerLiteral;
import org.apache.velocity.runtime.parser.node.ASTIntegerRange;
import org.apache.velocity.runtime.parser.node.ASTMap;
import org.apache.velocity.runtime.parser.node.ASTMulNode;
import org.apache.velocity.runtime.parser.node.ASTNegateNode;
import org.apache.velocity.runtime.parser.node.ASTObjectArray;
import org.apache.velocity.runtime.parser.node.ASTReference;
import org.apache.velocity.runtime.parser.node.ASTText;
import org.apache.velocity.runtime.parser.node.ASTprocess;
import org.apache.velocity.runtime.parser.node.MathUtils;
import org.apache.velocity.runtime.parser.node.Node;
import org.apache.velocity.runtime.parser.node.SimpleNode;
import org.apache.velocity.util.DuckType;

/**
 * The Velocity runtime of {@link TemplateRenderer}. Every tree it parses, the template's own and
 * the ones Velocity parses at render time for interpolated string literals ({@code "spark-$user"}),
 * is checked and hardened before it runs:
 *
 * <ul>
 *   <li>{@code #include}, {@code #parse}, {@code #evaluate}, {@code #define} and {@code #macro} are
 *       refused;
 *   <li>integer ranges {@code [a..b]} are refused when larger than a loop may run, at parse time
 *       for literal bounds and when evaluated for computed ones;
 *   <li>what string concatenation with {@code +}, multiplication, interpolated string literals and
 *       list and map literals build is bounded in size, and reported at the line that builds it;
 *   <li>only plain data is written into the output, into an interpolated string or joined to a
 *       string with {@code +}: an iterator or {@code $foreach} would print as a Java object ({@link
 *       OutputGuard}, {@link GuardedReference}).
 * </ul>
 */
final class SandboxRuntime extends RuntimeInstance {
  private static final Set<String> FORBIDDEN_DIRECTIVES =
      Set.of("include", "parse", "evaluate", "define", "macro");

  /**
   * A refusal found while parsing. A ParseException so that, for an interpolated string literal,
   * Velocity wraps it in an exception that says where the literal is.
   */
  static final class SandboxParseException extends ParseException {
    private final int line;
    private final String reason;

    SandboxParseException(int line, String reason) {
      super(reason);
      this.line = line;
      this.reason = reason;
    }

    /** Line within the text that was parsed (for a string literal: within the literal). */
    int line() {
      return line;
    }

    String reason() {
      return reason;
    }
  }

  /** Parses and hardens a whole template. */
  SimpleNode parseTemplate(Reader reader, Template template) throws ParseException {
    SimpleNode root = super.parse(reader, template);
    harden(root);
    return root;
  }

  /** Velocity's own parse calls, for interpolated string literals, at render time. */
  @Override
  public SimpleNode parse(Reader reader, Template template) throws ParseException {
    SimpleNode root = super.parse(reader, template);
    try {
      harden(root);
    } catch (SandboxParseException e) {
      RenderBudget.current().literalRefused(e);
      throw e;
    }
    return root instanceof ASTprocess process ? new BoundedString(process) : root;
  }

  private static void harden(Node node) throws SandboxParseException {
    for (int i = 0; i < node.jjtGetNumChildren(); i++) {
      Node child = node.jjtGetChild(i);
      if (child instanceof ASTDirective directive
          && FORBIDDEN_DIRECTIVES.contains(directive.getDirectiveName())) {
        throw new SandboxParseException(
            lineOf(child),
            "#" + directive.getDirectiveName() + " is not allowed in service templates");
      }
      if (child instanceof ASTReference reference) {
        child = replace(node, i, new GuardedReference(reference));
      } else if (child instanceof ASTText text) {
        child = replace(node, i, new GuardedText(text));
      } else if (child instanceof ASTIntegerRange range) {
        checkLiteralRange(range);
        child = replace(node, i, new GuardedRange(range));
      } else if (child instanceof ASTAddNode add) {
        child = replace(node, i, new GuardedAdd(add));
      } else if (child instanceof ASTNegateNode negate) {
        child = replace(node, i, new GuardedNegate(negate));
      } else if (child instanceof ASTMulNode multiply) {
        child = replace(node, i, new GuardedMultiply(multiply));
      } else if (child instanceof ASTObjectArray list) {
        child = replace(node, i, new GuardedList(list));
      } else if (child instanceof ASTMap map) {
        child = replace(node, i, new GuardedMap(map));
      }
      harden(child);
    }
  }

  private static int lineOf(Node node) {
    return node.getFirstToken() != null ? node.getFirstToken().beginLine : node.getLine();
  }

  private static Node replace(Node parent, int index, SimpleNode replacement) {
    parent.jjtAddChild(replacement, index);
    replacement.jjtSetParent(parent);
    return replacement;
  }

  /** Moves original's children under replacement. */
  private static void adoptChildren(SimpleNode replacement, SimpleNode original) {
    for (int i = 0; i < original.jjtGetNumChildren(); i++) {
      Node child = original.jjtGetChild(i);
      replacement.jjtAddChild(child, i);
      child.jjtSetParent(replacement);
    }
    replacement.setInfo(original.getInfo());
  }

  private static void checkLiteralRange(ASTIntegerRange range) throws SandboxParseException {
    if (range.jjtGetNumChildren() == 2
        && range.jjtGetChild(0) instanceof ASTIntegerLiteral left
        && range.jjtGetChild(1) instanceof ASTIntegerLiteral right) {
      try {
        long from = Long.parseLong(left.getFirstToken().image.trim());
        long to = Long.parseLong(right.getFirstToken().image.trim());
        String refusal = rangeRefusal(from, to);
        if (refusal != null) {
          throw new SandboxParseException(lineOf(range), refusal);
        }
      } catch (NumberFormatException e) {
        throw new SandboxParseException(
            lineOf(range), "a range bound is not a number Velocity can loop over");
      }
    }
  }

  private static String rangeRefusal(long from, long to) {
    long size = Math.abs(to - from) + 1;
    if (from < Integer.MIN_VALUE
        || from > Integer.MAX_VALUE
        || to < Integer.MIN_VALUE
        || to > Integer.MAX_VALUE
        || size > TemplateRenderer.MAX_LOOPS) {
      return "the range ["
          + from
          + ".."
          + to
          + "] has more than "
          + TemplateRenderer.MAX_LOOPS
          + " elements, the limit for a loop in a service template";
    }
    return null;
  }

  /** [a..b] whose size is checked before it can be used; Velocity's own check is none. */
  private static final class GuardedRange extends ASTIntegerRange {
    GuardedRange(ASTIntegerRange original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public Object value(InternalContextAdapter context) {
      long from = bound(jjtGetChild(0).value(context));
      long to = bound(jjtGetChild(1).value(context));
      String refusal = rangeRefusal(from, to);
      if (refusal != null) {
        throw new SandboxViolation(getLine(), refusal);
      }
      return new IntegerRange((int) from, (int) to, from >= to ? -1 : 1);
    }

    private long bound(Object value) {
      if (value == null) {
        throw new SandboxViolation(getLine(), "a bound of the range [a..b] is null");
      }
      try {
        Number number = value instanceof Number n ? n : DuckType.asNumber(value);
        BigDecimal exact = new BigDecimal(number.toString());
        if (exact.abs().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
          return exact.signum() * (Integer.MAX_VALUE + 1L); // refused as too large
        }
        return exact.longValue();
      } catch (NumberFormatException e) {
        throw new SandboxViolation(
            getLine(),
            "a bound of the range [a..b] is not a number: "
                + (value instanceof String s ? "\"" + s + "\"" : SandboxErrors.describe(value)));
      }
    }
  }

  /**
   * a + b: when it concatenates strings, both sides are plain data and the result is bounded and
   * charged to the budget.
   */
  private static final class GuardedAdd extends ASTAddNode {
    private final String leftText;
    private final String rightText;

    GuardedAdd(ASTAddNode original) {
      super(original.getType());
      leftText = original.jjtGetChild(0).literal();
      rightText = original.jjtGetChild(1).literal();
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    protected Object handleSpecial(Object left, Object right, InternalContextAdapter context) {
      if (left instanceof CharSequence || right instanceof CharSequence) {
        // Velocity joins anything to a string with toString(): an iterator would print as an
        // object.
        String what = SandboxErrors.unwritable(left);
        String text = leftText;
        if (what == null) {
          what = SandboxErrors.unwritable(right);
          text = rightText;
        }
        if (what != null) {
          throw new SandboxViolation(
              getLine(), text + " is " + what + ", which cannot be joined to a string with +");
        }
      }
      return super.handleSpecial(left, right, context);
    }

    @Override
    public Object value(InternalContextAdapter context) {
      Object value = super.value(context);
      if (value instanceof String s) {
        RenderBudget.current().charge(s.length(), getLine());
        RenderBudget.checkValue(s, getLine(), "a string built with +");
      }
      return value;
    }
  }

  /** a * b: repeated squaring would grow a BigInteger without bound. */
  private static final class GuardedMultiply extends ASTMulNode {
    GuardedMultiply(ASTMulNode original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public Object value(InternalContextAdapter context) {
      Object value = super.value(context);
      RenderBudget.checkValue(value, getLine(), "a number computed by the template");
      return value;
    }
  }

  /** -a: Velocity's error for a non-number says nothing of where; this one has the line. */
  private static final class GuardedNegate extends ASTNegateNode {
    private final String operandText;

    GuardedNegate(ASTNegateNode original) {
      super(original.getType());
      operandText = original.jjtGetChild(0).literal();
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public Object value(InternalContextAdapter context) {
      Object value = jjtGetChild(0).value(context);
      Number number = null;
      try {
        number = value instanceof Number n ? n : value == null ? null : DuckType.asNumber(value);
      } catch (NumberFormatException e) {
        // not a number: refused below
      }
      if (number == null || !SandboxUberspector.NUMBERS.contains(number.getClass())) {
        throw new SandboxViolation(
            getLine(),
            operandText
                + (value == null ? " is empty (null)" : " is not a number")
                + ", so it cannot be negated");
      }
      return MathUtils.negate(number);
    }
  }

  /** [a, b, ...]: the list is bounded in size. */
  private static final class GuardedList extends ASTObjectArray {
    GuardedList(ASTObjectArray original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public Object value(InternalContextAdapter context) {
      Object value = super.value(context);
      RenderBudget.checkValue(value, getLine(), "a list built by the template");
      return value;
    }
  }

  /** {k: v, ...}: the map is bounded in size. */
  private static final class GuardedMap extends ASTMap {
    GuardedMap(ASTMap original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public Object value(InternalContextAdapter context) {
      Object value = super.value(context);
      RenderBudget.checkValue(value, getLine(), "a map built by the template");
      return value;
    }
  }

  /**
   * A reference written into the output or into an interpolated string: {@link OutputGuard} refuses
   * a value that is not plain data without knowing where; this node adds its line.
   */
  private static final class GuardedReference extends ASTReference {
    GuardedReference(ASTReference original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public boolean render(InternalContextAdapter context, Writer writer) throws IOException {
      try {
        return super.render(context, writer);
      } catch (SandboxViolation e) {
        throw e.line() > 0 ? e : e.at(getLine(), getColumn());
      }
    }
  }

  /** Template text: a limit it hits while being written (output size, work, time) gets its line. */
  private static final class GuardedText extends ASTText {
    private final int textLine; // ASTText.init leaves SimpleNode's line unset

    GuardedText(ASTText original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
      textLine = lineOf(original);
    }

    @Override
    public boolean render(InternalContextAdapter context, Writer writer) throws IOException {
      try {
        return super.render(context, writer);
      } catch (SandboxViolation e) {
        throw e.line() > 0 ? e : e.at(textLine, 0);
      }
    }
  }

  /**
   * Refuses to write a value that is not plain data: Java would print an iterator as {@code
   * java.util...$1@5f0387ab} and {@code $foreach} as its internal state. Strings, numbers,
   * booleans, characters, lists ({@code [a, b]}), maps ({@code {k=v}}) and map entries ({@code
   * k=v}) of those are written as Java prints them. Registered on the runtime by {@link
   * TemplateRenderer}.
   */
  static final class OutputGuard implements ReferenceInsertionEventHandler {
    @Override
    public Object referenceInsert(Context context, String reference, Object value) {
      String what = SandboxErrors.unwritable(value);
      if (what != null) {
        throw new SandboxViolation(0, SandboxErrors.cannotWrite(reference, what, value));
      }
      return value;
    }
  }

  /** The tree of an interpolated string literal: what it writes is bounded and charged. */
  private static final class BoundedString extends ASTprocess {
    BoundedString(ASTprocess original) {
      super(original.getType());
      adoptChildren(this, original);
      first = original.getFirstToken();
      last = original.getLastToken();
      template = original.getTemplate();
      parser = original.getParser();
    }

    @Override
    public boolean render(InternalContextAdapter context, Writer writer) throws IOException {
      return super.render(context, new BoundedWriter(writer, getLine()));
    }
  }

  private static final class BoundedWriter extends Writer {
    private final Writer delegate;
    private final int line;
    private long length;

    BoundedWriter(Writer delegate, int line) {
      this.delegate = delegate;
      this.line = line;
    }

    @Override
    public void write(char[] chars, int offset, int count) throws IOException {
      count(count);
      delegate.write(chars, offset, count);
    }

    @Override
    public void write(String s, int offset, int count) throws IOException {
      count(count);
      delegate.write(s, offset, count);
    }

    private void count(int count) {
      length += count;
      RenderBudget.current().charge(count, line);
      if (length > TemplateRenderer.MAX_VALUE_CHARS) {
        throw new SandboxViolation(
            line,
            "a string built by the template would be longer than "
                + (TemplateRenderer.MAX_VALUE_CHARS >> 20)
                + " MiB");
      }
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
