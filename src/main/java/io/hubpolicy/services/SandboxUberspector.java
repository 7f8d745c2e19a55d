package io.hubpolicy.services;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.apache.velocity.runtime.directive.Scope;
import org.apache.velocity.util.introspection.Info;
import org.apache.velocity.util.introspection.UberspectImpl;
import org.apache.velocity.util.introspection.VelMethod;
import org.apache.velocity.util.introspection.VelPropertyGet;
import org.apache.velocity.util.introspection.VelPropertySet;

/**
 * Velocity introspection for service templates: method calls and property reads only on plain data
 * (strings, numbers, booleans, characters, maps, lists, iterators, map entries) and on {@code
 * $foreach}, each type with a fixed list of read-only methods. Never {@code getClass}, {@code
 * wait}, {@code notify}; never a property write. A property read on a map is always {@code
 * map.get(key)}, so {@code $m.class} is the map's "class" entry. Loops are counted and limited.
 *
 * <p>Public only because Velocity instantiates its uberspector by class name; {@link
 * TemplateRenderer} is the way to use it.
 */
public final class SandboxUberspector extends UberspectImpl {

  /** What a template may do with a value, by the value's type. */
  private enum Kind {
    FOREACH(
        Set.of(
            "getIndex",
            "getCount",
            "hasNext",
            "getHasNext",
            "isFirst",
            "getFirst",
            "isLast",
            "getLast",
            "getParent",
            "getTopmost",
            "get",
            "equals",
            "hashCode",
            "toString")),
    STRING(
        Set.of(
            "length",
            "isEmpty",
            "isBlank",
            "charAt",
            "substring",
            "subSequence",
            "indexOf",
            "lastIndexOf",
            "contains",
            "startsWith",
            "endsWith",
            "equals",
            "equalsIgnoreCase",
            "compareTo",
            "compareToIgnoreCase",
            "toUpperCase",
            "toLowerCase",
            "trim",
            "strip",
            "stripLeading",
            "stripTrailing",
            "replace",
            "concat",
            "hashCode",
            "toString")),
    NUMBER(
        Set.of(
            "intValue",
            "longValue",
            "doubleValue",
            "floatValue",
            "shortValue",
            "byteValue",
            "compareTo",
            "equals",
            "hashCode",
            "toString")),
    BOOLEAN(Set.of("booleanValue", "compareTo", "equals", "hashCode", "toString")),
    CHARACTER(Set.of("charValue", "compareTo", "equals", "hashCode", "toString")),
    MAP(
        Set.of(
            "get",
            "getOrDefault",
            "containsKey",
            "containsValue",
            "isEmpty",
            "size",
            "keySet",
            "values",
            "entrySet",
            "equals",
            "hashCode",
            "toString")),
    ENTRY(Set.of("getKey", "getValue", "equals", "hashCode", "toString")),
    LIST(
        Set.of(
            "get",
            "getFirst",
            "getLast",
            "size",
            "isEmpty",
            "contains",
            "indexOf",
            "lastIndexOf",
            "subList",
            "iterator",
            "equals",
            "hashCode",
            "toString")),
    ITERATOR(Set.of("hasNext", "next"));

    final Set<String> methods;

    Kind(Set<String> methods) {
      this.methods = methods;
    }
  }

  /** Numbers a template can meet: from variables, literals and Velocity arithmetic. */
  static final Set<Class<?>> NUMBERS =
      Set.of(
          Integer.class,
          Long.class,
          Short.class,
          Byte.class,
          Double.class,
          Float.class,
          BigInteger.class,
          BigDecimal.class);

  private static Kind kindOf(Object value) {
    if (value instanceof Scope) {
      return Kind.FOREACH; // a Scope is a Map, so before MAP
    } else if (value instanceof String) {
      return Kind.STRING;
    } else if (value != null && NUMBERS.contains(value.getClass())) {
      return Kind.NUMBER;
    } else if (value instanceof Boolean) {
      return Kind.BOOLEAN;
    } else if (value instanceof Character) {
      return Kind.CHARACTER;
    } else if (value instanceof Map) {
      return Kind.MAP;
    } else if (value instanceof Map.Entry) {
      return Kind.ENTRY;
    } else if (value instanceof Collection) {
      return Kind.LIST;
    } else if (value instanceof Iterator) {
      return Kind.ITERATOR;
    }
    return null;
  }

  private static String describe(Object value) {
    return SandboxErrors.kind(value);
  }

  @Override
  public Iterator getIterator(Object obj, Info i) {
    Kind kind = kindOf(obj);
    if (kind != Kind.LIST && kind != Kind.MAP && kind != Kind.ITERATOR) {
      throw new SandboxViolation(
          i.getLine(), "#foreach can only loop over a list or a map, not " + describe(obj));
    }
    Iterator<?> iterator = super.getIterator(obj, i);
    return iterator == null ? null : new LoopGuard(iterator, i.getLine());
  }

  @Override
  public VelMethod getMethod(Object obj, String methodName, Object[] args, Info i) {
    if (obj == null) {
      return null;
    }
    Kind kind = kindOf(obj);
    if (kind == null || !kind.methods.contains(methodName)) {
      String member = methodName + "()";
      throw new SandboxViolation(
          i.getLine(),
          i.getColumn(),
          member,
          member + " on " + describe(obj) + " is not allowed in a service template");
    }
    VelMethod method = super.getMethod(obj, methodName, args, i);
    if (method == null) {
      // No overload for these arguments: Velocity would name Java types, say which ones exist.
      throw new SandboxViolation(
          i.getLine(),
          i.getColumn(),
          methodName + "()",
          SandboxErrors.noSuchMethod(obj, methodName, args));
    }
    return new GuardedMethod(method);
  }

  @Override
  public VelPropertyGet getPropertyGet(Object obj, String identifier, Info i) {
    if (obj == null) {
      return null;
    }
    Kind kind = kindOf(obj);
    if (kind == Kind.MAP) {
      return new MapGet(identifier);
    }
    VelPropertyGet getter = kind == null ? null : super.getPropertyGet(obj, identifier, i);
    String member = "." + identifier;
    if (kind == null || (getter != null && !kind.methods.contains(getter.getMethodName()))) {
      throw new SandboxViolation(
          i.getLine(),
          i.getColumn(),
          member,
          member + " on " + describe(obj) + " is not allowed in a service template");
    }
    if (getter == null) {
      // Velocity would say "Object 'java.lang.String' does not contain property ...".
      throw new SandboxViolation(
          i.getLine(), i.getColumn(), member, SandboxErrors.noSuchProperty(obj, identifier));
    }
    return getter;
  }

  @Override
  public VelPropertySet getPropertySet(Object obj, String identifier, Object arg, Info i) {
    String member = "." + identifier;
    throw new SandboxViolation(
        i.getLine(),
        i.getColumn(),
        member,
        member
            + " cannot be assigned in a service template: maps and lists are read-only, build a"
            + " new one with #set($x = {...}) or #set($x = [...])");
  }

  /** Counts the passes of one #foreach; the 1001st is an error, not a silent stop. */
  private static final class LoopGuard implements Iterator<Object> {
    private final Iterator<?> delegate;
    private final int line;
    private int count;

    LoopGuard(Iterator<?> delegate, int line) {
      this.delegate = delegate;
      this.line = line;
    }

    @Override
    public boolean hasNext() {
      return delegate.hasNext();
    }

    @Override
    public Object next() {
      if (++count > TemplateRenderer.MAX_LOOPS) {
        throw new SandboxViolation(
            line,
            "#foreach runs more than "
                + TemplateRenderer.MAX_LOOPS
                + " times, the limit for a loop in a service template");
      }
      RenderBudget.current().iteration(line);
      return delegate.next();
    }
  }

  /**
   * An allowed method: its arguments must be plain data, it is charged to the render's budget, its
   * result is checked for size, and a failure is worded by {@link SandboxErrors}. Velocity caches
   * the method for every call with the same argument types, anywhere in the template, so it knows
   * no line: what it refuses goes out wrapped in an InvocationTargetException, which Velocity
   * reports with the line and column of the call.
   */
  private static final class GuardedMethod implements VelMethod {
    private static final Set<String> SEARCHES =
        Set.of("indexOf", "lastIndexOf", "contains", "replace");

    private final VelMethod delegate;

    GuardedMethod(VelMethod delegate) {
      this.delegate = delegate;
    }

    @Override
    public Object invoke(Object o, Object[] params)
        throws IllegalAccessException, InvocationTargetException {
      try {
        return guardedInvoke(o, params);
      } catch (SandboxViolation e) {
        throw new InvocationTargetException(e);
      }
    }

    private Object guardedInvoke(Object o, Object[] params) throws IllegalAccessException {
      String name = delegate.getMethodName();
      String member = name + "()";
      long argument = 0;
      for (Object param : params) {
        String unwritable = SandboxErrors.unwritable(param);
        if (unwritable != null) {
          // Velocity would convert it with toString() where text is expected: an object identity.
          throw new SandboxViolation(
              0,
              0,
              member,
              member + ": an argument is " + unwritable + ", which cannot be passed to a method");
        }
        argument = Math.max(argument, size(param));
      }
      // Searching a string is O(length x needle) at worst; everything else is linear.
      long cost =
          o instanceof String && SEARCHES.contains(name)
              ? 1 + size(o) * (1 + argument)
              : 1 + size(o) + argument;
      RenderBudget.current().charge(cost, 0);
      if (o instanceof String s
          && name.equals("replace")
          && params.length == 2
          && params[0] instanceof CharSequence target
          && params[1] instanceof CharSequence replacement) {
        checkReplace(s, target.toString(), replacement.length());
      }
      Object result;
      try {
        result = delegate.invoke(o, params);
      } catch (InvocationTargetException e) {
        throw failed(o, name, params, e.getCause());
      } catch (SandboxViolation e) {
        throw e;
      } catch (RuntimeException e) {
        // Velocity's argument conversion ("a" to an int) fails before the call.
        throw failed(o, name, params, e);
      }
      RenderBudget.checkValue(result, 0, "the result of " + member);
      return result;
    }

    private static RuntimeException failed(
        Object o, String name, Object[] params, Throwable failure) {
      if (failure instanceof Error error) {
        throw error;
      }
      if (failure instanceof SandboxViolation violation) {
        return violation;
      }
      return new SandboxViolation(
          0, 0, name + "()", SandboxErrors.callFailed(o, name, params, failure));
    }

    /** replace() can multiply a string's length; refuse before building a huge result. */
    private void checkReplace(String s, String target, int replacementLength) {
      long count;
      if (target.isEmpty()) {
        count = s.length() + 1L;
      } else {
        count = 0;
        for (int at = s.indexOf(target); at >= 0; at = s.indexOf(target, at + target.length())) {
          count++;
        }
      }
      long length = s.length() + count * (replacementLength - target.length());
      if (length > TemplateRenderer.MAX_VALUE_CHARS) {
        throw new SandboxViolation(
            0,
            "the result of replace() would be longer than "
                + (TemplateRenderer.MAX_VALUE_CHARS >> 20)
                + " MiB");
      }
    }

    private static long size(Object o) {
      if (o instanceof CharSequence s) {
        return s.length();
      } else if (o instanceof Collection<?> c) {
        return c.size();
      } else if (o instanceof Map<?, ?> m) {
        return m.size();
      }
      return 0;
    }

    @Override
    public boolean isCacheable() {
      return delegate.isCacheable();
    }

    @Override
    public String getMethodName() {
      return delegate.getMethodName();
    }

    @Override
    public Method getMethod() {
      return delegate.getMethod();
    }

    @Override
    public Class<?> getReturnType() {
      return delegate.getReturnType();
    }
  }

  /** $m.key on a map: always the map's entry, never a getter (so $m.class is the key "class"). */
  private record MapGet(String key) implements VelPropertyGet {
    @Override
    public Object invoke(Object o) {
      return ((Map<?, ?>) o).get(key);
    }

    @Override
    public boolean isCacheable() {
      return true;
    }

    @Override
    public String getMethodName() {
      return "get";
    }
  }
}
