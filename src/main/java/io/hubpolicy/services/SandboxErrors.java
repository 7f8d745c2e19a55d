package io.hubpolicy.services;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.velocity.runtime.directive.Scope;

/**
 * The words of render errors: what a template author reads when a template fails. Every error the
 * sandbox raises from a value, a call or a property read is worded here, from the values involved,
 * never from a Java exception's text; {@link SandboxFailures} adds the line and the reference as
 * written. Nothing here names a Java type or prints a value that is not plain data.
 */
final class SandboxErrors {

  /** ${a.b} or $!{a.b}, to show as $a.b. */
  private static final Pattern BRACES = Pattern.compile("\\$(!?)\\{(.*)}");

  private SandboxErrors() {}

  // --- values in words ---

  /** "a string", "a list", "an iterator", ...; never a Java type. */
  static String describe(Object value) {
    if (value == null) {
      return "empty (null)";
    } else if (value instanceof Scope) {
      return "the state of a #foreach loop";
    } else if (value instanceof String) {
      return "a string";
    } else if (value instanceof BigDecimal || value instanceof Double || value instanceof Float) {
      return "a decimal number";
    } else if (SandboxUberspector.NUMBERS.contains(value.getClass())) {
      return "a whole number";
    } else if (value instanceof Boolean) {
      return "a boolean";
    } else if (value instanceof Character) {
      return "a character";
    } else if (value instanceof Map) {
      return "a map";
    } else if (value instanceof Map.Entry) {
      return "a map entry";
    } else if (value instanceof List) {
      return "a list";
    } else if (value instanceof Set) {
      return "a set";
    } else if (value instanceof Collection) {
      return "a collection";
    } else if (value instanceof Iterator) {
      return "an iterator";
    }
    return "a value that is not plain data";
  }

  /** Like {@link #describe} with numbers as "a number", for the receiver of a method. */
  static String kind(Object value) {
    return value != null && SandboxUberspector.NUMBERS.contains(value.getClass())
        ? "a number"
        : describe(value);
  }

  /**
   * Why value cannot be written into the output or into a string, or null when it is plain data:
   * strings, numbers, booleans, characters, null, and lists, sets, maps and map entries of those.
   * Java would print anything else as an object identity ("...$1@5f0387ab") or internal state.
   */
  static String unwritable(Object value) {
    long[] visited = {0};
    String what = unwritable(value, 0, visited);
    if (visited[0] > 1) {
      RenderBudget.current().charge(visited[0], 0);
    }
    return what;
  }

  private static String unwritable(Object value, int depth, long[] visited) {
    visited[0]++;
    if (value == null
        || value instanceof String
        || value instanceof Boolean
        || value instanceof Character
        || SandboxUberspector.NUMBERS.contains(value.getClass())) {
      return null;
    }
    if (depth > TemplateRenderer.MAX_NESTING) {
      return "a value that nests lists or maps more than "
          + TemplateRenderer.MAX_NESTING
          + " levels deep";
    }
    String inside = null;
    if (value instanceof Scope || value instanceof Iterator) {
      return describe(value);
    } else if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        inside = unwritable(e.getKey(), depth + 1, visited);
        inside = inside != null ? inside : unwritable(e.getValue(), depth + 1, visited);
        if (inside != null) {
          break;
        }
      }
    } else if (value instanceof Map.Entry<?, ?> e) {
      inside = unwritable(e.getKey(), depth + 1, visited);
      inside = inside != null ? inside : unwritable(e.getValue(), depth + 1, visited);
    } else if (value instanceof Collection<?> c) {
      for (Object element : c) {
        inside = unwritable(element, depth + 1, visited);
        if (inside != null) {
          break;
        }
      }
    } else {
      return describe(value);
    }
    if (inside == null) {
      return null;
    }
    return depth == 0 ? describe(value) + " holding " + inside : inside;
  }

  /**
   * "$l.iterator() is an iterator, which cannot be written into a manifest; loop over it with
   * #foreach".
   */
  static String cannotWrite(String reference, String what, Object value) {
    Matcher braces = BRACES.matcher(reference);
    if (braces.matches()) {
      reference = "$" + braces.group(1) + braces.group(2);
    }
    String reason = reference + " is " + what + ", which cannot be written into a manifest";
    if (value instanceof Scope) {
      return reason + "; write one of its values, such as $foreach.count or $foreach.hasNext";
    } else if (what.startsWith("an iterator")) {
      return reason + "; loop over it with #foreach";
    }
    return reason + "; write its items one by one with #foreach";
  }

  // --- calls and property reads ---

  /** A method of the allowed table exists, but not for these arguments. */
  static String noSuchMethod(Object receiver, String name, Object[] args) {
    List<Method> overloads = overloads(receiver, name);
    String member = name + "()";
    if (overloads.isEmpty()) {
      return member + ": " + kind(receiver) + " has no method " + member;
    }
    Set<Integer> arities = new TreeSet<>();
    List<String> signatures = new ArrayList<>();
    List<String> sameArity = new ArrayList<>();
    for (Method m : overloads) {
      arities.add(m.getParameterCount());
      String signature = signature(m.getParameterTypes());
      signatures.add(signature);
      if (m.getParameterCount() == args.length) {
        sameArity.add(signature);
      }
    }
    if (sameArity.isEmpty()) {
      boolean onlyNone = arities.size() == 1 && arities.contains(0);
      return member
          + " on "
          + kind(receiver)
          + " takes "
          + counts(arities)
          + (onlyNone ? "" : " " + String.join(" or ", signatures))
          + ", not "
          + args.length;
    }
    List<String> given = new ArrayList<>();
    for (Object arg : args) {
      given.add(describe(arg));
    }
    return member
        + " on "
        + kind(receiver)
        + " takes "
        + String.join(" or ", new LinkedHashSet<>(sameArity))
        + ", not ("
        + String.join(", ", given)
        + ")";
  }

  /** "$user.nosuchproperty: a string has no property 'nosuchproperty'". */
  static String noSuchProperty(Object receiver, String name) {
    return "." + name + ": " + kind(receiver) + " has no property '" + name + "'";
  }

  /**
   * A call that failed in Java, in words from the receiver, the method and its arguments: "get():
   * there is no item 99, the list has 3 items". The exception only says which kind of failure it
   * was; its text is never used.
   */
  static String callFailed(Object receiver, String name, Object[] args, Throwable failure) {
    String member = name + "()";
    String why = callFailure(receiver, name, args, failure);
    return member + ": " + why;
  }

  private static String callFailure(Object receiver, String name, Object[] args, Throwable t) {
    for (Object arg : args) {
      if (arg == null && t instanceof NullPointerException) {
        return "an argument is empty (null)";
      }
    }
    if (t instanceof NumberFormatException) {
      for (Object arg : args) {
        if (arg instanceof Number n
            && !(arg instanceof Double || arg instanceof Float)
            && (n.longValue() > Integer.MAX_VALUE
                || n.longValue() < Integer.MIN_VALUE
                || arg instanceof BigInteger)) {
          return n + " is too large a number here";
        }
        if (arg instanceof String s && !isWholeNumber(s)) {
          return "'" + clip(s) + "' is not a whole number";
        }
      }
      return "an argument is not a whole number";
    }
    if (t instanceof ClassCastException) {
      Object other = args.length > 0 ? args[0] : null;
      if (SandboxUberspector.NUMBERS.contains(receiver.getClass())
          && other != null
          && SandboxUberspector.NUMBERS.contains(other.getClass())) {
        return "compares "
            + describe(receiver)
            + " with "
            + describe(other)
            + "; compare numbers with <, > or == instead";
      }
      return "compares " + kind(receiver) + " with " + kind(other);
    }
    if (t instanceof NoSuchElementException) {
      return receiver instanceof Iterator
          ? "the iterator has no more items"
          : kind(receiver) + " is empty";
    }
    if (t instanceof UnsupportedOperationException) {
      return kind(receiver) + " is read-only in a service template";
    }
    if (t instanceof IndexOutOfBoundsException
        || (t instanceof IllegalArgumentException && name.equals("subList"))) {
      String bounds = bounds(receiver, name, args);
      if (bounds != null) {
        return bounds;
      }
    }
    if (t instanceof ArithmeticException) {
      return "the arithmetic cannot be done (a division by zero or a number out of range)";
    }
    return "cannot be done on "
        + kind(receiver)
        + " with "
        + (args.length == 0 ? "no arguments" : "these arguments");
  }

  /** An index or range outside a string or list, in words. */
  private static String bounds(Object receiver, String name, Object[] args) {
    long size;
    String items;
    if (receiver instanceof String s) {
      size = s.length();
      items = "the text is " + size + (size == 1 ? " character long" : " characters long");
    } else if (receiver instanceof List<?> l) {
      size = l.size();
      items = "the list has " + size + (size == 1 ? " item" : " items");
    } else {
      return null;
    }
    Long first = args.length > 0 ? number(args[0]) : null;
    Long second = args.length > 1 ? number(args[1]) : null;
    if (args.length == 1 && first != null && (name.equals("get") || name.equals("charAt"))) {
      String what = receiver instanceof String ? "character " : "item ";
      String range = size == 0 ? "" : " (0 to " + (size - 1) + ")";
      return "there is no " + what + first + ", " + items + range;
    }
    if (first != null && second != null && first <= size && second >= 0 && first > second) {
      return "the end (" + second + ") is before the start (" + first + ")";
    }
    if (first != null && first < 0) {
      return "the start (" + first + ") is negative";
    }
    return items;
  }

  // --- helpers ---

  private static List<Method> overloads(Object receiver, String name) {
    Class<?> type =
        receiver instanceof Scope
            ? receiver.getClass()
            : receiver instanceof String
                ? String.class
                : receiver instanceof Map
                    ? Map.class
                    : receiver instanceof Map.Entry
                        ? Map.Entry.class
                        : receiver instanceof List
                            ? List.class
                            : receiver instanceof Collection
                                ? Collection.class
                                : receiver instanceof Iterator
                                    ? Iterator.class
                                    : receiver.getClass();
    List<Method> found = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name)
          && !m.isBridge()
          && !m.isSynthetic()
          && Modifier.isPublic(m.getModifiers())
          && !Modifier.isStatic(m.getModifiers())
          && describable(m.getParameterTypes())
          && seen.add(signature(m.getParameterTypes()))) {
        found.add(m);
      }
    }
    found.sort((a, b) -> Integer.compare(a.getParameterCount(), b.getParameterCount()));
    return found;
  }

  private static boolean describable(Class<?>[] types) {
    for (Class<?> type : types) {
      if (parameter(type) == null) {
        return false;
      }
    }
    return true;
  }

  private static String signature(Class<?>[] types) {
    List<String> words = new ArrayList<>();
    for (Class<?> type : types) {
      words.add(parameter(type));
    }
    return "(" + String.join(", ", words) + ")";
  }

  /** A parameter type in words, null for types a template cannot pass (Locale, Charset, ...). */
  private static String parameter(Class<?> type) {
    if (type == String.class || type == CharSequence.class) {
      return "text";
    } else if (type == char.class || type == Character.class) {
      return "a character";
    } else if (type == int.class
        || type == long.class
        || type == short.class
        || type == byte.class
        || type == Integer.class
        || type == Long.class
        || type == Short.class
        || type == Byte.class
        || type == BigInteger.class) {
      return "a whole number";
    } else if (type == double.class
        || type == float.class
        || type == Double.class
        || type == Float.class
        || type == BigDecimal.class) {
      return "a decimal number";
    } else if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    } else if (type == Object.class) {
      return "any value";
    } else if (Collection.class.isAssignableFrom(type)) {
      return "a list";
    } else if (Map.class.isAssignableFrom(type)) {
      return "a map";
    }
    return null;
  }

  /** "no arguments", "1 argument", "1 or 2 arguments". */
  private static String counts(Set<Integer> arities) {
    if (arities.size() == 1 && arities.contains(0)) {
      return "no arguments";
    }
    List<String> numbers = arities.stream().map(String::valueOf).toList();
    boolean one = arities.size() == 1 && arities.contains(1);
    return String.join(" or ", numbers) + (one ? " argument" : " arguments");
  }

  private static Long number(Object value) {
    if (value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
      return n.longValue();
    }
    if (value instanceof String s && isWholeNumber(s)) {
      return Long.parseLong(s.strip());
    }
    return null;
  }

  private static boolean isWholeNumber(String s) {
    return s.strip().matches("-?\\d{1,18}");
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
