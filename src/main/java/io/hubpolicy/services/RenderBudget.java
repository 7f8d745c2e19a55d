package io.hubpolicy.services;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import org.apache.velocity.runtime.directive.Scope;

/**
 * What one render may still spend: loop iterations, work (characters written or scanned) and time.
 * Velocity calls back into the sandbox (uberspector, guarded nodes, writers) on the rendering
 * thread without a handle on the render, so the budget of the render in progress is a thread local,
 * set and cleared by {@link TemplateRenderer#render}.
 */
final class RenderBudget {
  private static final ThreadLocal<RenderBudget> CURRENT = new ThreadLocal<>();

  private final long deadline;
  private long iterations;
  private long work;
  private SandboxRuntime.SandboxParseException literalRefusal;

  private RenderBudget() {
    this.deadline = System.nanoTime() + TemplateRenderer.RENDER_TIME_LIMIT.toNanos();
  }

  static void start() {
    CURRENT.set(new RenderBudget());
  }

  static void end() {
    CURRENT.remove();
  }

  static RenderBudget current() {
    RenderBudget budget = CURRENT.get();
    if (budget == null) {
      // Only TemplateRenderer drives this Velocity runtime; refuse rather than run unbounded.
      throw new SandboxViolation(0, "template code ran outside TemplateRenderer.render");
    }
    return budget;
  }

  /**
   * Velocity drops the cause when a string literal fails to parse at render time, so the refusal of
   * one (say {@code "#include('x')"}) is kept here for the renderer to report.
   */
  void literalRefused(SandboxRuntime.SandboxParseException refusal) {
    literalRefusal = refusal;
  }

  SandboxRuntime.SandboxParseException literalRefusal() {
    return literalRefusal;
  }

  /** One more pass through a #foreach body, anywhere in the template. */
  void iteration(int line) {
    if (++iterations > TemplateRenderer.MAX_TOTAL_ITERATIONS) {
      throw new SandboxViolation(
          line,
          "the template's loops ran more than "
              + TemplateRenderer.MAX_TOTAL_ITERATIONS
              + " iterations in total, the limit for a service template");
    }
    checkTime(line);
  }

  /** Characters written into any writer, or scanned by a method call. */
  void charge(long units, int line) {
    work += units;
    if (work > TemplateRenderer.MAX_WORK) {
      throw new SandboxViolation(
          line,
          "the template does too much work (more than "
              + (TemplateRenderer.MAX_WORK >> 20)
              + " Mi characters built or scanned), the limit for a service template");
    }
    checkTime(line);
  }

  private void checkTime(int line) {
    if (System.nanoTime() - deadline > 0) {
      throw new SandboxViolation(
          line,
          "rendering took longer than "
              + TemplateRenderer.RENDER_TIME_LIMIT.toSeconds()
              + " s, the limit for a service template");
    }
  }

  /**
   * Refuses a value whose text form would exceed {@link TemplateRenderer#MAX_VALUE_CHARS} or which
   * nests too deeply. Every value a template can keep (variables set with #set, loop variables,
   * results of calls, concatenations, interpolated strings) passes here or through an equivalent
   * check, so rendering any value stays bounded.
   */
  static void checkValue(Object value, int line, String what) {
    long limit = TemplateRenderer.MAX_VALUE_CHARS;
    if (weight(value, limit, 0, line) > limit) {
      throw new SandboxViolation(
          line, what + " would be longer than " + (limit >> 20) + " MiB as text");
    }
  }

  /** Approximate length of value's text form; stops counting once it passes limit. */
  private static long weight(Object value, long limit, int depth, int line) {
    if (value == null) {
      return 4;
    }
    if (value instanceof CharSequence s) {
      return s.length();
    }
    if (value instanceof BigInteger b) {
      // One unit per bit, not per digit: toString of a huge BigInteger is slow.
      return b.bitLength() + 2L;
    }
    if (value instanceof BigDecimal d) {
      return d.precision() + 12L;
    }
    if (value instanceof Number || value instanceof Boolean || value instanceof Character) {
      return 24;
    }
    if (value instanceof Scope || value instanceof Iterator) {
      // $foreach and iterators print as a short summary, never their contents.
      return 16;
    }
    if (depth >= TemplateRenderer.MAX_NESTING) {
      throw new SandboxViolation(
          line,
          "a value nests lists or maps more than "
              + TemplateRenderer.MAX_NESTING
              + " levels deep, the limit for a service template");
    }
    long total = 2;
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        total += 4 + weight(e.getKey(), limit, depth + 1, line);
        total += weight(e.getValue(), limit, depth + 1, line);
        if (total > limit) {
          return total;
        }
      }
      return total;
    }
    if (value instanceof Map.Entry<?, ?> e) {
      return 1
          + weight(e.getKey(), limit, depth + 1, line)
          + weight(e.getValue(), limit, depth + 1, line);
    }
    if (value instanceof Collection<?> c) {
      for (Object element : c) {
        total += 2 + weight(element, limit, depth + 1, line);
        if (total > limit) {
          return total;
        }
      }
      return total;
    }
    if (value.getClass().isArray()) {
      int length = Array.getLength(value);
      for (int i = 0; i < length; i++) {
        total += 2 + weight(Array.get(value, i), limit, depth + 1, line);
        if (total > limit) {
          return total;
        }
      }
      return total;
    }
    return 16;
  }
}
