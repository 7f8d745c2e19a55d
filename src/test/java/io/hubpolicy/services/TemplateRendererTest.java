package io.hubpolicy.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateRendererTest {
  private static final String SOURCE = "ConfigMap spark-cluster-template, key sparkClusterTemplate";
  private static final TemplateRenderer RENDERER = new TemplateRenderer();

  private static final String SPARK_TEMPLATE =
      """
      kind: SparkCluster
      apiVersion: radanalytics.io/v1
      metadata:
        name: "spark-cluster-{{ user }}"
      spec:
        worker:
          instances: "{{ worker_nodes }}"
          memoryLimit: "{{ worker_memory_limit }}"
        customImage: "{{ spark_image }}"
        env:
        - name: SPARK_METRICS_ON
          value: prometheus
      """;

  private static Map<String, Object> sparkVariables(String user) {
    Map<String, Object> variables = new HashMap<>();
    variables.put("user", user);
    variables.put("worker_nodes", "2");
    variables.put("worker_memory_limit", "4Gi");
    variables.put("spark_image", "quay.io/radanalyticsio/openshift-spark:3.0");
    return variables;
  }

  private static String expectedSpark(String user) {
    return String.join(
        "\n",
        "kind: SparkCluster",
        "apiVersion: radanalytics.io/v1",
        "metadata:",
        "  name: \"spark-cluster-" + user + "\"",
        "spec:",
        "  worker:",
        "    instances: \"2\"",
        "    memoryLimit: \"4Gi\"",
        "  customImage: \"quay.io/radanalyticsio/openshift-spark:3.0\"",
        "  env:",
        "  - name: SPARK_METRICS_ON",
        "    value: prometheus",
        "");
  }

  /** Variables for the sandbox tests. */
  private static Map<String, Object> data() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("s", "hi");
    variables.put("user", "alice");
    variables.put("m", Map.of("a", "A"));
    variables.put("withClass", Map.of("class", "gold"));
    variables.put("l", List.of("x", "y", "z"));
    variables.put("big", IntStream.range(0, 2000).boxed().toList());
    variables.put("text2k", "x".repeat(2000));
    return variables;
  }

  private static String render(String template) {
    return RENDERER.render(SOURCE, template, data());
  }

  private static RenderException refused(String template) {
    return assertThrows(RenderException.class, () -> render(template), template);
  }

  private static void assertRefused(String template, int line, String... fragments) {
    RenderException e = refused(template);
    assertEquals(line, e.line(), e.getMessage());
    assertEquals(SOURCE, e.source());
    for (String fragment : fragments) {
      assertTrue(e.reason().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
    }
  }

  // --- dialects ---

  @Test
  void rendersTheCompatSparkTemplateExactly() {
    assertEquals(
        expectedSpark("alice"), RENDERER.render(SOURCE, SPARK_TEMPLATE, sparkVariables("alice")));
  }

  @Test
  void jinjaTemplateKeepsAllOtherTextLiterally() {
    String literal =
        String.join(
            "\n",
            "command: [\"sh\", \"-c\", \"aws --endpoint-url $(s3_endpoint_url) s3 ls\"]",
            "env: PYTHONPATH=$PYTHONPATH:/x $HOME ${HOME} $!{x} \\$y",
            "#comment",
            "## x",
            "#* not a comment *# #if($x) #end #set($a = 1) #foreach",
            "path: \"C:\\new\\table\\\\\" and \\n stays",
            "raw: #[[x]]# then ]]# then ]]]# then ]]#]]# then #[[ alone",
            "\ttab \r\n crlf line");
    String template = literal + "\nuser: {{ user }}{{user}}\n" + literal;
    assertEquals(literal + "\nuser: alicealice\n" + literal, render(template));
  }

  @Test
  void helmValuesFormIsTheSameSubstitution() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("user", "alice");
    variables.put("conf", Map.of("image", "spark:3"));
    assertEquals(
        "name: alice-alice\nimage: spark:3 spark:3\n",
        RENDERER.render(
            SOURCE,
            "name: {{ .Values.user }}-{{user}}\nimage: {{ .Values.conf.image }} {{ conf.image }}\n",
            variables));
    assertRefused("a\nb: {{ .Values.user | quote }}", 2, "{{ .Values.user | quote }}", "Velocity");
    assertRefused("{{ .Release.Name }}", 1, "{{ .Release.Name }} is not supported", ".Values");
    assertRefused("{{- .Values.user }}", 1, "is not supported");
    assertRefused("{{ .Values.nope }}", 1, "undefined variable $nope");
  }

  @Test
  void anUnsetVariableSaysWhyItIsUnset() {
    for (String template : List.of("id: {{ userid }}", "id: {{ .Values.userid }}", "id: $userid")) {
      RenderException e =
          assertThrows(
              RenderException.class,
              () ->
                  RENDERER.render(
                      SOURCE, template, Map.of("user", "alice"), Map.of("userid", "not sent")),
              template);
      assertEquals(
          SOURCE + ", line 1: undefined variable $userid (not sent); defined variables: user",
          e.getMessage());
    }
  }

  @Test
  void jinjaCommentsAndMultiLineTagsKeepLineNumbers() {
    assertEquals("a: aliceb\nc\n", render("a: {{ user }}{# one\ntwo #}b\nc\n"));
    assertEquals("a: alice.\n", render("a: {{\n  user\n}}.\n"));
    assertRefused("a: {{ user }}{# one\ntwo\nthree #}b\n{{ missing }}", 4, "$missing");
    assertRefused("a: {{\n user\n }}\r\n\r\n{{ missing }}", 5, "$missing");
  }

  @Test
  void jinjaSubstitutesNestedMapValuesAndNullAsEmpty() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("conf", Map.of("image", Map.of("tag", "v1")));
    variables.put("nothing", null);
    assertEquals(
        "tag=v1 nothing=[]",
        RENDERER.render(SOURCE, "tag={{ conf.image.tag }} nothing=[{{nothing}}]", variables));
  }

  @Test
  void variableValuesAreDataNotTemplates() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("user", "#include('pom.xml') $foo ${s} #set($x = 1) {{ y }}");
    String expected = "#include('pom.xml') $foo ${s} #set($x = 1) {{ y }}";
    assertEquals("u: " + expected, RENDERER.render(SOURCE, "u: {{ user }}", variables));
    assertEquals("u: " + expected, RENDERER.render(SOURCE, "u: $user", variables));
    assertEquals("u: " + expected, RENDERER.render(SOURCE, "#set($u = \"$user\")u: $u", variables));
  }

  @Test
  void velocityTemplateWithIfForeachAndNestedMaps() {
    Map<String, Object> variables = new HashMap<>();
    variables.put("user", "alice");
    variables.put("gpu", true);
    variables.put("workers", List.of("w1", "w2", "w3"));
    Map<String, Object> conf = new LinkedHashMap<>();
    conf.put("a", "one");
    conf.put("b", Map.of("c", 3));
    variables.put("conf", conf);
    String template =
        """
        name: spark-$user
        #if($gpu)
        gpu: "1"
        #else
        gpu: "0"
        #end
        workers:
        #foreach($w in $workers)
          - name: ${w}-$foreach.count
            last: $foreach.last
        #end
        a: $conf.a
        c: ${conf.b.c}
        count: $workers.size()
        #set($label = "team-${user}")
        label: $label.toUpperCase()
        """;
    String expected =
        """
        name: spark-alice
        gpu: "1"
        workers:
          - name: w1-1
            last: false
          - name: w2-2
            last: false
          - name: w3-3
            last: true
        a: one
        c: 3
        count: 3
        label: TEAM-ALICE
        """;
    assertEquals(expected, RENDERER.render(SOURCE, template, variables));
  }

  // --- the sandbox: reaching Java ---

  @Test
  void getClassIsRefusedWithTheReferenceAndLine() {
    assertRefused("a: 1\nb: $s.getClass()", 2, "$s.getClass()", "not allowed");
    assertRefused("$s.class", 1, "$s.class", "not allowed");
    assertRefused("x\n\n${s.class}", 3, "$s.class", "not allowed");
    assertRefused("$m.getClass()", 1, "$m.getClass()", "not allowed");
    assertRefused("$l.getClass()", 1, "$l.getClass()", "not allowed");
    assertRefused("#set($c = $s.getClass())", 1, "getClass()", "not allowed");
    assertRefused("#set($x = \"${s.getClass()}\")", 1, "getClass()", "not allowed");
    assertRefused("#foreach($i in $l)\n$foreach.getClass()#end", 2, "getClass()", "not allowed");
  }

  @Test
  void runtimeExecIsUnreachable(@TempDir Path dir) {
    Path canary = dir.resolve("pwned");
    assertRefused(
        "#set($rt = $s.getClass().forName('java.lang.Runtime'))\n"
            + "$rt.getRuntime().exec('touch "
            + canary
            + "')",
        1,
        "$s.getClass()",
        "not allowed");
    assertRefused(
        "line\n$s.getClass().forName('java.lang.Runtime').getRuntime().exec('touch "
            + canary
            + "')",
        2,
        "$s.getClass()");
    assertFalse(Files.exists(canary));
  }

  @Test
  void waitAndNotifyAreRefused() {
    assertRefused("$s.wait()", 1, "$s.wait()", "not allowed");
    assertRefused("$m.notifyAll()", 1, "$m.notifyAll()", "not allowed");
  }

  @Test
  void propertyReadOnAMapIsAlwaysAnEntry() {
    assertEquals("gold", render("$withClass.class"));
    assertRefused("x\n$m.class", 2, "$m.class", "undefined");
    assertEquals("A", render("$m.a"));
  }

  @Test
  void onlyReadOnlyMethodsOfPlainData() {
    assertEquals(
        "HI 2 true x 3 y",
        render("$s.toUpperCase() $s.length() $s.startsWith('h') " + "$l.get(0) $l.size() $l[1]"));
    assertRefused("$s.repeat(1000000000)", 1, "$s.repeat(1000000000)", "not allowed");
    assertRefused("$s.getBytes()", 1, "not allowed");
    assertRefused("$s.bytes", 1, "$s.bytes", "not allowed");
    assertRefused("$s.format('%0999999999d', 1)", 1, "not allowed");
    assertRefused("#set($x = $l.add('q'))", 1, "$l.add('q')", "not allowed");
    assertRefused("$l.stream()", 1, "not allowed");
    assertRefused("$m.put('a', 1)", 1, "not allowed");
    assertRefused("#set($m.b = 1)", 1, "cannot be assigned");
    assertRefused("#foreach($i in $l)$foreach.info#end", 1, "not allowed");
  }

  @Test
  void theEnvironmentIsUndefined() {
    assertRefused("$env", 1, "undefined variable $env");
    assertRefused("$System.getenv()", 1, "undefined variable $System");
    assertRefused("$runtime", 1, "undefined variable $runtime");
  }

  // --- the sandbox: files ---

  @ParameterizedTest
  @ValueSource(strings = {"include", "parse", "evaluate"})
  void fileAndEvalDirectivesAreRefused(String directive) {
    assertRefused("a\n#" + directive + "('pom.xml')", 2, "#" + directive + " is not allowed");
    assertRefused("a\n#{" + directive + "}('pom.xml')", 2, "#" + directive + " is not allowed");
  }

  @Test
  void defineAndMacroAreRefused() {
    assertRefused("a\n\n#define($d)x#end$d", 3, "#define is not allowed");
    assertRefused("#macro(m)M#end#m()", 1, "#macro is not allowed");
  }

  @Test
  void directivesInsideStringLiteralsAreRefusedToo() {
    assertRefused("a\nb\n#set($x = \"#include('pom.xml')\")$x", 3, "#include is not allowed");
    assertRefused("#set($x = \"one\n#parse('pom.xml')\")$x", 2, "#parse is not allowed");
  }

  @Test
  void nothingIsReadFromTheWorkingDirectory() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    String marker = pom.substring(pom.indexOf("<artifactId>"), pom.indexOf("</artifactId>"));
    for (String template :
        List.of(
            "#include('pom.xml')",
            "#parse('pom.xml')",
            "#set($x = \"#include('pom.xml')\")$x",
            "$s.getClass().getResourceAsStream('/pom.xml')")) {
      RenderException e = refused(template);
      assertFalse(e.getMessage().contains(marker), e.getMessage());
    }
  }

  // --- the sandbox: loops, sizes ---

  @Test
  void aLoopMayRunMaxLoopsTimesAndNoMore() {
    assertEquals(1000, render("#foreach($i in [1..1000])x#end").length());
    Map<String, Object> variables = new HashMap<>();
    variables.put("items", IntStream.range(0, TemplateRenderer.MAX_LOOPS).boxed().toList());
    assertEquals(
        TemplateRenderer.MAX_LOOPS,
        RENDERER.render(SOURCE, "#foreach($i in $items)x#end", variables).length());
    variables.put("items", IntStream.range(0, TemplateRenderer.MAX_LOOPS + 1).boxed().toList());
    assertThrows(
        RenderException.class,
        () -> RENDERER.render(SOURCE, "#foreach($i in $items)x#end", variables));
  }

  @Test
  void loopingOverALongListIsAnError() {
    assertRefused("a\n#foreach($i in $big)$i#end", 2, "more than 1000 times");
  }

  @Test
  void rangesLargerThanALoopAreRefused() {
    assertRefused("a\n#foreach($i in [1..100000])#end", 2, "[1..100000]", "more than 1000");
    assertRefused("#foreach($i in [1..1001])#end", 1, "[1..1001]");
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> assertRefused("#set($r = [1..2000000000])", 1, "[1..2000000000]"));
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () ->
            assertRefused(
                "#set($n = 2000000000)\n\n#foreach($i in [1..$n])$i#end", 3, "[1..2000000000]"));
    assertRefused("#set($n = 'lots')#foreach($i in [1..$n])#end", 1, "not a number");
    assertEquals("321", render("#set($n = 3)#foreach($i in [$n..1])$i#end"));
  }

  @Test
  void nestedLoopsShareOneBudget() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () ->
            assertRefused(
                "#foreach($i in [1..1000])\n#foreach($j in [1..1000])\n"
                    + "#foreach($k in [1..1000])#end\n#end\n#end",
                3,
                "iterations in total"));
  }

  @Test
  void runawayStringsAreStopped() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          assertRefused(
              "#set($x = 'ab')\n#foreach($i in [1..100])#set($x = \"$x$x\")#end$x.length()",
              2,
              "longer than 1 MiB");
          assertRefused(
              "#set($x = 'ab')\n#foreach($i in [1..100])#set($x = $x + $x)#end$x.length()",
              2,
              "longer than 1 MiB");
          assertRefused(
              "#set($x = 'ab')#foreach($i in [1..100])#set($x = $x.concat($x))#end",
              1,
              "longer than 1 MiB");
          assertRefused(
              "#set($x = $text2k.replace('x', $text2k))", 1, "replace()", "longer than 1 MiB");
        });
  }

  @Test
  void nestedListsAreBounded() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () ->
            assertRefused(
                "#set($x = [$text2k])\n#foreach($i in [1..100])#set($x = [$x, $x])#end",
                2,
                "1 MiB"));
  }

  @Test
  void numbersCannotGrowWithoutBound() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () ->
            assertRefused(
                "#set($x = 3)\n#foreach($i in [1..40])#set($x = $x * $x)#end",
                2,
                "a number computed by the template"));
  }

  @Test
  void quadraticStringSearchIsRefused() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () ->
            assertRefused(
                "#set($x = 'a')#foreach($i in [1..19])#set($x = \"$x$x\")#end\n"
                    + "#set($needle = \"${x.substring(0, 200000)}b\")\n"
                    + "$x.indexOf($needle)",
                3,
                "too much work"));
  }

  @Test
  void deeplyNestedTemplatesAreRefusedAndTheRendererRecovers() {
    assertRefused("#set($x = " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + ")", 0, "deeply");
    assertRefused("#if(true)".repeat(20_000) + "x" + "#end".repeat(20_000), 0, "deeply");
    assertEquals("hi", render("$s"));
  }

  @Test
  void outputIsCappedAtOneMiB() {
    RenderException e = refused("#foreach($i in [1..1000])$text2k\n#end");
    assertTrue(e.reason().contains("rendered output exceeds 1 MiB"), e.getMessage());
  }

  // --- errors name the place ---

  @Test
  void undefinedVariableNamesItTheLineAndWhatIsDefined() {
    Map<String, Object> variables = sparkVariables("alice");
    variables.remove("worker_nodes");
    RenderException e =
        assertThrows(
            RenderException.class, () -> RENDERER.render(SOURCE, SPARK_TEMPLATE, variables));
    assertEquals(7, e.line());
    assertEquals(
        SOURCE
            + ", line 7: undefined variable $worker_nodes; defined variables: spark_image, user,"
            + " worker_memory_limit",
        e.getMessage());
    assertRefused("a\nb: $nope", 2, "undefined variable $nope");
  }

  @Test
  void jinjaSyntaxOutsideTheSubsetIsRefusedWithTheLine() {
    assertRefused("a\nb: {{ user", 2, "{{ is not closed");
    assertRefused("a\n{% if user %}x{% endif %}", 2, "Jinja statements");
    assertRefused("{% if user %}", 1, "Jinja statements");
    assertRefused("a\nb\nc: {{ user | lower }}", 3, "{{ user | lower }}", "{{ name }}", "Velocity");
    assertRefused("{{ s.getClass() }}", 1, "{{ s.getClass() }} is not supported");
    assertRefused("{{ 'x' }}", 1, "is not supported");
    assertRefused("{{ s.class }}", 1, "$s.class", "not allowed");
    assertRefused("a: {{ user }}\n{# unclosed", 2, "not closed");
  }

  @Test
  void velocitySyntaxErrorsNameTheLine() {
    assertRefused("a\nb\n#if(", 3, "syntax error");
    assertRefused("#foreach($i in $l)\nx", 2, "syntax error");
  }

  @Test
  void messageFormat() {
    assertEquals("src, line 3: bad", new RenderException("src", 3, "bad").getMessage());
    assertEquals("src: bad", new RenderException("src", 0, "bad").getMessage());
  }

  @Test
  void variablesMustBePlainData() {
    assertThrows(
        IllegalArgumentException.class,
        () -> RENDERER.render(SOURCE, "$t", Map.of("t", Thread.currentThread())));
  }

  // --- concurrency ---

  @Test
  void concurrentRendersAreIndependent() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int ok = 0;
                  for (int i = 0; i < 500; i++) {
                    String user = "u" + thread + "-" + i;
                    String out = RENDERER.render(SOURCE, SPARK_TEMPLATE, sparkVariables(user));
                    assertEquals(expectedSpark(user), out);
                    String velocity =
                        RENDERER.render(
                            SOURCE, "#foreach($i in [1..3])$user#end", Map.of("user", user));
                    assertEquals(user.repeat(3), velocity);
                    ok++;
                  }
                  return ok;
                }));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertEquals(500, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
