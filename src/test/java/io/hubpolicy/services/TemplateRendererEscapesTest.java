package io.hubpolicy.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Template escapes, as a black-box campaign tries them: each either renders exactly what is
 * expected, or fails with a RenderException that names the line, says what is wrong in words and
 * names no Java type, package, exception or object identity.
 */
class TemplateRendererEscapesTest {
  private static final String SOURCE = "ConfigMap spark-cluster-template, key sparkClusterTemplate";
  private static final TemplateRenderer RENDERER = new TemplateRenderer();

  /**
   * What a message must never contain: Java packages and types, nested-class names ($1), object
   * identities (@5f0387ab), exception and error names, "class" (except a template's own ".class").
   */
  private static final Pattern JAVA =
      Pattern.compile(
          "(java|javax|jdk|sun|org\\.apache|org\\.slf4j|io\\.hubpolicy|com|tools\\.jackson|"
              + "lang|util|runtime|velocity)\\.[a-zA-Z]|\\$[0-9]|@[0-9a-f]{4,}|"
              + "Exception|Error\\b|Throwable|(?<!\\.)\\bclass\\b|\\bObject '|\\bInteger|\\bDouble|"
              + "\\bString\\b|Unmodifiable|Collections|\\bIterator\\b|\\bScope\\b|\\bNumber\\b");

  /** The same, for rendered output: no identities or Java names. */
  private static final Pattern IDENTITY =
      Pattern.compile("(java|javax|jdk|sun|org\\.apache)\\.[a-zA-Z]|\\$[0-9]|@[0-9a-f]{4,}");

  record Escape(String category, String template, String renders, int line, List<String> says) {
    @Override
    public String toString() {
      return category + ": " + template.replace("\n", "\\n");
    }
  }

  private static Escape renders(String category, String template, String output) {
    return new Escape(category, template, output, 0, List.of());
  }

  private static Escape refused(String category, String template, int line, String... says) {
    return new Escape(category, template, null, line, Arrays.asList(says));
  }

  private static Map<String, Object> variables() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("s", "hi");
    variables.put("user", "alice");
    variables.put("e", "");
    variables.put("n", 5);
    variables.put("d", 2.5);
    variables.put("b", true);
    variables.put("m", Map.of("a", "A"));
    variables.put("l", List.of("x", "y", "z"));
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("k", "v");
    conf.put("sub", Map.of("x", 1));
    conf.put("list", List.of(1, 2));
    variables.put("conf", conf);
    variables.put("big", IntStream.range(0, 2000).boxed().toList());
    variables.put("text2k", "x".repeat(2000));
    return variables;
  }

  static Stream<Escape> escapes() {
    return Stream.of(
        // --- object identities: a value that is not plain data is never written ---
        refused("identity", "$l.iterator()", 1, "$l.iterator() is an iterator", "#foreach"),
        refused("identity", "a: 1\nb: ${l.iterator()}", 2, "$l.iterator() is an iterator"),
        refused("identity", "$!l.iterator()", 1, "is an iterator"),
        refused("identity", "$m.keySet().iterator()", 1, "$m.keySet().iterator() is an iterator"),
        refused("identity", "$m.entrySet().iterator()", 1, "is an iterator"),
        refused("identity", "$m.values().iterator()", 1, "is an iterator"),
        refused("identity", "$l.subList(0, 2).iterator()", 1, "is an iterator"),
        refused("identity", "#set($it = $l.iterator())\n\n$it", 3, "$it is an iterator"),
        refused("identity", "#set($x = \"v: $l.iterator()\")", 1, "$l.iterator() is an iterator"),
        refused("identity", "x\n#set($x = \"a\" + $l.iterator())", 2, "joined to a string"),
        refused("identity", "#set($x = $l.iterator() + \"a\")", 1, "$l.iterator() is an iterator"),
        refused("identity", "#set($x = [$l.iterator()])\n$x", 2, "a list holding an iterator"),
        refused("identity", "#set($x = {'k': $l.iterator()})$x", 1, "a map holding an iterator"),
        refused("identity", "#set($x = [[1, [$l.iterator()]]])$x", 1, "holding an iterator"),
        refused("identity", "#foreach($i in $l)\n$foreach#end", 2, "$foreach is the state"),
        refused("identity", "#foreach($i in $l)${foreach.topmost}#end", 1, "$foreach.topmost"),
        refused("identity", "#foreach($i in $l)#set($x = [$foreach])$x#end", 1, "#foreach loop"),
        refused("identity", "$s.concat($l.iterator())", 1, "$s.concat", "cannot be passed"),
        refused("identity", "$s.contains($l.iterator())", 1, "takes (text), not (an iterator)"),
        refused("identity", "$s.replace('h', $l.iterator())", 1, "not (a string, an iterator)"),
        refused("identity", "$l.contains([$l.iterator()])", 1, "a list holding an iterator"),
        refused("identity", "$m.get($l.iterator())", 1, "an argument is an iterator"),
        refused("identity", "#foreach($i in $l)$s.concat($foreach)#end", 1, "#foreach loop"),
        refused("identity", "#foreach($i in [1..$l.iterator()])#end", 1, "not a number"),
        renders(
            "identity",
            "{{ l }} {{ conf.sub }} #set($x = $l.iterator())$x",
            "[x, y, z] {x=1} #set($x = $l.iterator())$x"),
        // plain data still renders, as Java prints it
        renders("plain data", "$l $m $conf", "[x, y, z] {a=A} {k=v, sub={x=1}, list=[1, 2]}"),
        renders("plain data", "$m.keySet() $m.values() $m.entrySet()", "[a] [A] [a=A]"),
        renders("plain data", "#foreach($e in $m.entrySet())$e|$e.key=$e.value#end", "a=A|a=A"),
        renders("plain data", "$l.iterator().next() $l.subList(1, 3)", "x [y, z]"),
        renders("plain data", "#foreach($i in $l.iterator())$i#end", "xyz"),
        renders("plain data", "#set($x = [$l, {'k': $m}])$x", "[[x, y, z], {k={a=A}}]"),
        renders("plain data", "$n $d $b $s.charAt(0) ${l[-1]}", "5 2.5 true h z"),
        renders(
            "plain data",
            "#foreach($i in $l)$foreach.count$foreach.hasNext #end",
            "1true 2true 3false "),
        // --- calls that fail in Java: worded, not Java's exception text ---
        refused(
            "call", "a\n$l.get(99)", 2, "$l.get(99): there is no item 99, the list has 3 items"),
        refused("call", "$l.get(-1)", 1, "there is no item -1"),
        refused("call", "$l[99]", 1, "$l[99]: there is no item 99, the list has 3 items"),
        refused("call", "$l.get('a')", 1, "$l.get('a'): 'a' is not a whole number"),
        refused(
            "call", "$l.subList(3, 1)", 1, "$l.subList(3, 1): the end (1) is before the start (3)"),
        refused("call", "$l.subList(0, 9)", 1, "the list has 3 items"),
        refused(
            "call", "$user.substring(99)", 1, "$user.substring(99): the text is 5 characters long"),
        refused("call", "$s.substring(1, 0)", 1, "the end (0) is before the start (1)"),
        refused("call", "$s.substring(-1)", 1, "the start (-1) is negative"),
        refused("call", "$s.substring('a')", 1, "'a' is not a whole number"),
        refused("call", "$s.charAt(-1)", 1, "$s.charAt(-1): there is no character -1"),
        refused(
            "call", "$s.charAt(2)", 1, "there is no character 2, the text is 2 characters long"),
        refused("call", "$e.charAt(0)", 1, "the text is 0 characters long"),
        refused("call", "$s.subSequence(0, 9)", 1, "the text is 2 characters long"),
        refused(
            "call",
            "$n.compareTo(\"x\")",
            1,
            "$n.compareTo(\"x\"): compares a number with a string"),
        refused("call", "$s.compareTo(5)", 1, "compares a string with a number"),
        refused("call", "$d.compareTo($n)", 1, "compares a decimal number with a whole number"),
        refused("call", "$s.concat($m.nothing)", 1, "an argument is empty (null)"),
        refused(
            "call",
            "#set($it = $l.iterator())$it.next()$it.next()$it.next()\n$it.next()",
            2,
            "$it.next(): the iterator has no more items"),
        refused("call", "#set($x = \"${l.get(7)}\")", 1, "there is no item 7"),
        refused("call", "$s.concat($l.get(5))", 1, "$l.get(5): there is no item 5"),
        // --- calls with the wrong arguments: what the method takes ---
        refused(
            "arguments", "$m.get()", 1, "$m.get() on a map takes 1 argument (any value), not 0"),
        refused("arguments", "$s.equals()", 1, "takes 1 argument"),
        refused("arguments", "$l.indexOf()", 1, "$l.indexOf() on a list takes 1 argument"),
        refused("arguments", "$n.intValue(1)", 1, "$n.intValue(1) on a number takes no arguments"),
        refused(
            "arguments",
            "$s.replace(1,2)",
            1,
            "$s.replace(1,2)",
            "(text, text)",
            "not (a whole number, a whole number)"),
        refused("arguments", "$m.getOrDefault('zz')", 1, "takes 2 arguments"),
        refused("arguments", "$s.substring()", 1, "takes 1 or 2 arguments"),
        refused("arguments", "$s.substring(1, 2, 3)", 1, "takes 1 or 2 arguments", "not 3"),
        refused("arguments", "$l.subList(1)", 1, "takes 2 arguments"),
        refused("arguments", "$s.startsWith()", 1, "$s.startsWith() on a string takes"),
        refused("arguments", "$b.booleanValue(1)", 1, "on a boolean takes no arguments"),
        refused(
            "arguments",
            "#set($it = $l.iterator())$it.next(1)",
            1,
            "on an iterator takes no arguments"),
        // --- property reads ---
        refused(
            "property",
            "$user.nosuchproperty",
            1,
            "$user.nosuchproperty: a string has no property 'nosuchproperty'"),
        refused(
            "property",
            "#set($x = $l.get(0).foo)",
            1,
            "$l.get(0).foo: a string has no property 'foo'"),
        refused("property", "$conf.sub.x.y", 1, "$conf.sub.x.y: a number has no property 'y'"),
        refused("property", "${conf.sub.x.y.z}", 1, "$conf.sub.x.y: a number has no property 'y'"),
        refused("property", "$m.a.b", 1, "$m.a.b: a string has no property 'b'"),
        refused("property", "$b.foo", 1, "a boolean has no property 'foo'"),
        refused("property", "$conf.list.foo", 1, "$conf.list.foo", "a list"),
        refused("property", "$conf.sub.x.foo()", 1, "$conf.sub.x.foo() on a number is not allowed"),
        renders("property", "$s.empty $e.empty $conf.sub.x ${conf.list.size()}", "false true 1 2"),
        // --- null ---
        refused("null", "#set($z = $m.nothere)$z.length()", 1, "$z.length(): $z is empty (null)"),
        refused(
            "null", "a\n$m.nothere.length()", 2, "$m.nothere.length(): $m.nothere is empty (null)"),
        refused("null", "${m.nothere.foo}", 1, "$m.nothere.foo: $m.nothere is empty (null)"),
        refused("null", "$m.nothere", 1, "$m.nothere is undefined or null"),
        refused(
            "null",
            "#foreach($i in $l)$foreach.parent#end",
            1,
            "$foreach.parent is undefined or null"),
        refused("null", "#set($x = $m.nothere + 1)", 1, "$m.nothere is empty (null)"),
        // --- arithmetic and comparisons ---
        refused("math", "x\n#set($x = 1 / 0)", 2, "division by zero"),
        refused("math", "#set($x = 1 % 0)", 1, "the right side of % is zero"),
        refused("math", "#set($x = $s * 2)", 1, "$s is not a number"),
        refused("math", "#set($x = $l - 1)", 1, "$l is not a number"),
        refused("math", "\n#set($x = -$s)", 2, "$s is not a number", "negated"),
        refused("math", "#if($s > 1)y#end", 1, "not a number"),
        refused("math", "#if($m.nothere > 1)y#end", 1, "$m.nothere is empty (null)"),
        refused("math", "#set($x = -$m.nothere)", 1, "$m.nothere is empty (null)", "negated"),
        renders("math", "#set($x = -$n)$x #set($y = -'3')$y", "-5 -3"),
        renders("math", "#set($x = 7 / 2)$x #set($y = 2.5 * 2)$y ${n}0", "3 5.0 50"),
        // --- the sandbox: Java, files, directives ---
        refused("sandbox", "$s.getClass()", 1, "$s.getClass() on a string is not allowed"),
        refused("sandbox", "$s.getClass().forName('java.lang.Runtime')", 1, "not allowed"),
        refused("sandbox", "$l.iterator().getClass()", 1, "on an iterator is not allowed"),
        refused("sandbox", "#foreach($i in $l)$foreach.getClass()#end", 1, "not allowed"),
        refused("sandbox", "#foreach($i in $l)$foreach.info#end", 1, "not allowed"),
        refused(
            "sandbox",
            "#set($it = $l.iterator())$it.remove()",
            1,
            "$it.remove() on an iterator is not allowed"),
        refused("sandbox", "$m.put('a', 1)", 1, "not allowed"),
        refused("sandbox", "#set($m.b = 1)", 1, "cannot be assigned"),
        refused("sandbox", "#set($l[0] = 1)", 1, "not allowed"),
        refused("sandbox", "$s.wait()", 1, "not allowed"),
        refused("sandbox", "a\n#include('pom.xml')", 2, "#include is not allowed"),
        refused("sandbox", "#parse('pom.xml')", 1, "#parse is not allowed"),
        refused("sandbox", "#evaluate('$s')", 1, "#evaluate is not allowed"),
        refused("sandbox", "#define($d)x#end", 1, "#define is not allowed"),
        refused("sandbox", "#macro(m)M#end#m()", 1, "#macro is not allowed"),
        refused("sandbox", "x\n#set($x = \"#include('pom.xml')\")", 2, "#include is not allowed"),
        refused(
            "sandbox",
            "#foreach($c in $s)$c#end",
            1,
            "#foreach can only loop over a list or a map, not a string"),
        refused("sandbox", "$System.getenv()", 1, "undefined variable $System"),
        refused("sandbox", "$nope", 1, "undefined variable $nope"),
        // --- limits: huge ranges, long loops, string building ---
        refused("limits", "#foreach($i in [1..100000])#end", 1, "[1..100000] has more than 1000"),
        refused(
            "limits", "#set($n = 2000000000)\n#foreach($i in [1..$n])#end", 2, "more than 1000"),
        refused("limits", "#set($w = 'lots')\n#set($r = [1..$w])", 2, "not a number: \"lots\""),
        refused("limits", "#foreach($i in $big)$i#end", 1, "more than 1000 times"),
        refused(
            "limits",
            "#foreach($i in [1..1000])\n#foreach($j in [1..1000])\n#foreach($k in [1..1000])#end\n#end\n#end",
            3,
            "iterations in total"),
        refused(
            "limits",
            "#set($x = 'ab')\n#foreach($i in [1..100])#set($x = \"$x$x\")#end",
            2,
            "longer than 1 MiB"),
        refused(
            "limits",
            "#set($x = 'ab')#foreach($i in [1..100])#set($x = $x + $x)#end",
            1,
            "longer than 1 MiB"),
        refused(
            "limits",
            "#set($x = 'ab')#foreach($i in [1..100])\n#set($x = $x.concat($x))#end",
            2,
            "longer than 1 MiB"),
        refused(
            "limits",
            "#set($a = $s.replace('h', 'j'))\n#set($x = $text2k.replace('x', $text2k))",
            2,
            "replace()",
            "longer than 1 MiB"),
        refused(
            "limits",
            "#set($x = 3)\n#foreach($i in [1..40])#set($x = $x * $x)#end",
            2,
            "a number computed by the template"),
        refused(
            "limits", "#foreach($i in [1..1000])$text2k\n#end", 1, "rendered output exceeds 1 MiB"),
        renders(
            "strings",
            "#set($x = \"$user-$s\")$x ${user.toUpperCase()}-${s.length()}",
            "alice-hi ALICE-2"),
        renders("strings", "#set($x = 'a' + 5 + $b)$x $s.concat(5)", "a5true hi5"),
        refused(
            "limits",
            "a\n#foreach($i in [1..1000])\n" + "y".repeat(1100) + "\n#end",
            3,
            "rendered output exceeds 1 MiB"),
        // --- more of each kind ---
        refused("identity", "$s.equals($l.iterator())", 1, "cannot be passed to a method"),
        refused("identity", "#set($x = \"$!{l.iterator()}\")", 1, "$!l.iterator() is an iterator"),
        renders("identity", "#if($l == $l.iterator())y#end#if($l.iterator())n#end", "n"),
        renders("plain data", "$l.size $l.empty $m.size() $!{m.nothere}|", "3 false 1 |"),
        renders(
            "plain data",
            "#set($x = {1: 2, 'b': [1, {'c': $l}]})$x",
            "{1=2, b=[1, {c=[x, y, z]}]}"),
        renders(
            "plain data",
            "#set($x = $l.iterator())$x.hasNext() $x.next() $x.next.length()",
            "true x 1"),
        renders("plain data", "$s.concat($m) $s.concat($l)", "hi{a=A} hi[x, y, z]"),
        renders(
            "plain data",
            "#foreach($i in $l)#if($foreach.count == 2)#break#end$i#end a#stop b",
            "x a"),
        renders(
            "plain data",
            "#[[ $s.getClass() ]]### $s.getClass()\n#* $l.iterator() *#.",
            " $s.getClass() ."),
        refused("call", "$l.get(0)\n\n$l.get(9)", 3, "$l.get(9): there is no item 9"),
        refused("call", "$s.substring(1)\n$s.substring(9)", 2, "$s.substring(9): the text is 2"),
        refused("call", "a\r\n$l.get(99)", 2, "$l.get(99): there is no item 99"),
        refused("call", "#set($i = 5)$l.get($i)", 1, "$l.get($i): there is no item 5"),
        refused("call", "$s.charAt(99999999999)", 1, "99999999999 is too large a number here"),
        refused("arguments", "$m.containsKey()", 1, "on a map takes 1 argument"),
        refused(
            "arguments",
            "#foreach($e in $m.entrySet())$e.getKey(1)#end",
            1,
            "$e.getKey(1) on a map entry takes no arguments"),
        refused(
            "arguments",
            "#foreach($i in $l)$foreach.get()#end",
            1,
            "$foreach.get() on the state of a #foreach loop takes 1 argument"),
        refused(
            "arguments",
            "$s.indexOf('h', 'x')",
            1,
            "takes (text, a whole number) or (a whole number, a whole number), not (a string, a"
                + " string)"),
        refused(
            "arguments", "$m.keySet().get(0)", 1, "$m.keySet().get(0): a set has no method get()"),
        refused("sandbox", "$l.iterator().toString()", 1, "on an iterator is not allowed"),
        refused("sandbox", "$s.matches('(a+)+b')", 1, "not allowed"),
        refused("sandbox", "$s.split(',')", 1, "not allowed"),
        refused("sandbox", "$user.codePointAt(0)", 1, "not allowed"),
        refused("null", "$!m.nothere.length()", 1, "$m.nothere is empty (null)"),
        refused("math", "#set($x = 1.0 / 0)", 1, "division by zero"),
        refused("math", "#if($l < 1)y#end", 1, "not a number"),
        renders("math", "#set($x = 9223372036854775807 + 1)$x", "9223372036854775808"),
        refused("syntax", "a\n#set($x = \"abc", 2, "the template ends inside a string"),
        refused("syntax", "#foreach($i)#end", 1, "syntax error", "#foreach"),
        refused("syntax", "#if($s)#else#else#end", 1, "syntax error: unexpected \"#else\""),
        // --- syntax ---
        refused("syntax", "a\n${s.substring(1}", 2, "syntax error"),
        refused("syntax", "a\nb\n#if(", 3, "syntax error"),
        refused("syntax", "#foreach($i in $l)\nx", 2, "syntax error"),
        refused("syntax", "#set($x = )", 1, "syntax error"),
        refused("syntax", "x\n#end", 2, "syntax error"),
        refused("syntax", "#set($x = \"#if(\")$x", 1, "not valid Velocity", "single quotes"),
        refused("syntax", "a: {{ user | lower }}", 1, "{{ user | lower }}", "is not supported"),
        refused("syntax", "a: {{ l.iterator }}", 1, "$l.iterator is an iterator"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("escapes")
  void escapeRendersExactlyOrFailsInWords(Escape escape) {
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          if (escape.renders() != null) {
            String output = RENDERER.render(SOURCE, escape.template(), variables());
            assertEquals(escape.renders(), output);
            assertFalse(IDENTITY.matcher(output).find(), output);
            return;
          }
          RenderException e =
              assertThrows(
                  RenderException.class,
                  () -> RENDERER.render(SOURCE, escape.template(), variables()),
                  () -> "rendered instead of failing");
          String message = e.getMessage();
          assertEquals(SOURCE, e.source());
          assertEquals(escape.line(), e.line(), message);
          assertTrue(message.startsWith(SOURCE + ", line " + escape.line() + ": "), message);
          assertFalse(JAVA.matcher(e.reason()).find(), () -> "names Java: " + message);
          for (String fragment : escape.says()) {
            assertTrue(
                e.reason().contains(fragment), () -> "'" + fragment + "' not in: " + message);
          }
        });
  }

  @Test
  void theCorpusCoversTheCampaign() {
    assertTrue(escapes().count() >= 49);
    assertEquals(
        List.of(
            "identity",
            "plain data",
            "call",
            "arguments",
            "property",
            "null",
            "math",
            "sandbox",
            "limits",
            "strings",
            "syntax"),
        escapes().map(Escape::category).distinct().toList());
  }
}
