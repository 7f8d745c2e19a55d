package io.hubpolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile, its JVM options (container/jvm.options), the POM and CI name one Java and one set
 * of options: there is no Docker engine on the build machines, so what can be checked without one
 * is checked here (the AOT training script itself runs in {@code bench/run startup}).
 */
class ContainerImageTest {
  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final Path OPTIONS = Path.of("container", "jvm.options");

  /** The Java the image runs (generational ZGC, the AOT cache); the code targets the POM's. */
  static final int IMAGE_JAVA = 25;

  static int pomRelease() throws IOException {
    Matcher m =
        Pattern.compile("<maven\\.compiler\\.release>(\\d+)</maven\\.compiler\\.release>")
            .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(m.find(), "pom.xml sets maven.compiler.release");
    return Integer.parseInt(m.group(1));
  }

  @Test
  void theImageRunsJava25OnCodeForThePomsJava() throws IOException {
    assertTrue(pomRelease() <= IMAGE_JAVA, "the image's Java runs the POM's release");
    assertEquals(17, pomRelease(), "Debian 12 (CI on a bare machine) has Java 17");
    int release = IMAGE_JAVA;
    List<String> froms = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^FROM (\\S+)").matcher(Files.readString(DOCKERFILE));
    while (m.find()) {
      froms.add(m.group(1));
    }
    assertEquals(2, froms.size(), "a build stage and a run stage: " + froms);
    assertTrue(
        froms.get(0).endsWith("-eclipse-temurin-" + release), "build stage: " + froms.get(0));
    assertEquals("eclipse-temurin:" + release + "-jre", froms.get(1));
  }

  @Test
  void theEntrypointUsesTheOptionsFileWithItsAotCacheAndTheTrainingMakesIt() throws IOException {
    String docker = Files.readString(DOCKERFILE);
    assertTrue(
        docker.contains("ENTRYPOINT [\"java\", \"@/opt/hubpolicy/jvm.options\", \"-jar\","),
        "the entrypoint passes container/jvm.options as an argument file");
    assertTrue(docker.contains("COPY container/jvm.options container/aot-train /opt/hubpolicy/"));
    assertTrue(
        docker.contains(
            "bash /opt/hubpolicy/aot-train java /opt/hubpolicy/hubpolicy.jar"
                + " /opt/hubpolicy/jvm.options"),
        "the image trains its AOT cache with its own java, jar and options");
    assertTrue(
        !docker.contains("JAVA_TOOL_OPTIONS"),
        "JVM options live in container/jvm.options only, not also in the environment");

    List<String> options = new ArrayList<>();
    for (String line : Files.readAllLines(OPTIONS)) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#")) {
        assertTrue(l.startsWith("-"), OPTIONS + ": one option a line, no trailing words: " + l);
        options.add(l);
      }
    }
    assertTrue(options.contains("-XX:AOTCache=/opt/hubpolicy/hubpolicy.aot"), options.toString());
    assertTrue(options.contains("-XX:+ExitOnOutOfMemoryError"), options.toString());
    assertTrue(
        options.contains("-XX:MaxGCPauseMillis=10") && options.contains("-XX:G1HeapRegionSize=8m"),
        "G1 aims at short pauses, and a large configuration's text is not humongous: " + options);
    assertTrue(
        options.stream().noneMatch(o -> o.startsWith("-XX:+UseZGC")),
        "G1: ZGC measured worse under reloads on 2 cores (BENCHMARKS.md): " + options);
    assertTrue(
        options.stream().anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage=")),
        "the heap follows the pod's limit: " + options);
  }

  @Test
  void theImageKeepsItsCompiledRulesAndTrainsOnReadingThem() throws IOException {
    String docker = Files.readString(DOCKERFILE);
    Matcher env = Pattern.compile("(?m)^ENV HUBPOLICY_RULES_CACHE=(\\S+)$").matcher(docker);
    assertTrue(env.find(), "the Dockerfile sets HUBPOLICY_RULES_CACHE");
    assertEquals("/opt/hubpolicy/rules-cache", env.group(1));
    int training = docker.indexOf("bash /opt/hubpolicy/aot-train ");
    assertTrue(
        env.start() < training,
        "set before the training, which fills the cache and trains on reading it");
    assertTrue(
        docker.substring(training).contains("chmod -R a+rX,go-w " + env.group(1)),
        "readable by the image's user, writable by root only");
    assertTrue(
        Files.readString(Path.of("src/main/java/io/hubpolicy/cli/ServeCommand.java"))
            .contains("\"${env:HUBPOLICY_RULES_CACHE}\""),
        "serve reads the variable");
    String train = Files.readString(Path.of("container", "aot-train"));
    assertTrue(train.contains("${HUBPOLICY_RULES_CACHE:-}"), "aot-train fills the rules cache");
    assertTrue(
        train.contains("'rules read from cache '"),
        "aot-train checks that its training run read the rules (serve's log line)");
  }

  @Test
  void ciAndTheBenchmarksLookForTheImagesJavaFirst() throws IOException {
    int release = IMAGE_JAVA;
    String findJdk = Files.readString(Path.of(".ci", "find-jdk"));
    assertTrue(
        findJdk.contains("HUBPOLICY_JAVA_MAJOR:-" + release + "}"),
        ".ci/find-jdk looks for Java " + release);
    assertTrue(Files.readString(Path.of(".ci", "run")).contains(".ci/find-jdk"));
    assertTrue(Files.readString(Path.of("bench", "run")).contains(".ci/find-jdk"));
  }
}
