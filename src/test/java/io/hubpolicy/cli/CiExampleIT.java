package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The author's guide's CI step (docs/authoring.md) as it is shipped: {@code
 * examples/ci/check-policy.sh} run by bash with the packaged jar, on copies of the example policy
 * changed the ways an author changes it, from a directory outside the project (as a CI job runs it,
 * with the rules built into the jar). Pins the script's exit code and each step's.
 */
class CiExampleIT {
  static final Path JAR = Path.of("target", "hubpolicy.jar").toAbsolutePath();
  static final Path EXAMPLE = Path.of("examples", "ci").toAbsolutePath();
  static final Pattern STEP =
      Pattern.compile("^(lint|validate|test|diff): exit (\\d+) ", Pattern.MULTILINE);

  @TempDir Path tmp;
  Path base;
  Path candidate;

  @BeforeEach
  void copies() throws IOException {
    Assumptions.assumeTrue(
        Files.isRegularFile(JAR),
        "needs the packaged jar " + JAR + ": run mvn package (mvn verify builds it first)");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/bin/bash")), "needs /bin/bash to run check-policy.sh");
    base = copy(EXAMPLE.resolve("policy"), tmp.resolve("deployed"));
    candidate = copy(EXAMPLE.resolve("policy"), tmp.resolve("changed"));
  }

  record Run(int exit, String out) {
    int step(String name) {
      Matcher m = STEP.matcher(out);
      while (m.find()) {
        if (m.group(1).equals(name) || (name.equals("lint") && m.group(1).equals("validate"))) {
          return Integer.parseInt(m.group(2));
        }
      }
      throw new AssertionError("no '" + name + ": exit N' line in:\n" + out);
    }
  }

  @Test
  void anUnchangedPolicyShipsAndNoDecisionChanges() throws Exception {
    Run r = check(false);
    assertEquals(0, r.step("lint"), r.out());
    assertEquals(0, r.step("test"), r.out());
    assertEquals(0, r.step("diff"), r.out());
    assertTrue(r.out().contains("40 requests replayed: no decision changes"), r.out());
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().endsWith("check-policy: ok to ship\n"), r.out());
  }

  @Test
  void aChangeTheTestsAllowShipsWithTheChangedDecisionsListed() throws Exception {
    edit("limits: {memory: 2Gi, cpu: '1'}", "limits: {memory: 2Gi, cpu: '2'}");
    Run r = check(false);
    assertEquals(0, r.step("lint"), r.out());
    assertEquals(0, r.step("test"), r.out());
    assertEquals(1, r.step("diff"), r.out());
    // Requests without a size keep the profile's limit; those with one get the size's.
    assertTrue(r.out().contains("  resources.limits.cpu: \"1\" → \"2\"\n"), r.out());
    assertTrue(r.out().contains("by field: resources "), r.out());
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().endsWith("check-policy: ok to ship\n"), r.out());

    Run strict = check(true);
    assertEquals(1, strict.step("diff"), strict.out());
    assertEquals(1, strict.exit(), strict.out());
    assertTrue(strict.out().endsWith("check-policy: not ready to ship\n"), strict.out());
  }

  @Test
  void aChangeThatBreaksAPolicyTestDoesNotShip() throws Exception {
    edit("value: s3://ds-data", "value: s3://ds-data-2027");
    Run r = check(false);
    assertEquals(0, r.step("lint"), r.out());
    assertEquals(1, r.step("test"), r.out());
    assertTrue(r.out().contains("expected: s3://ds-data\n"), r.out());
    assertTrue(r.out().contains("got:      s3://ds-data-2027"), r.out());
    assertEquals(1, r.step("diff"), r.out());
    assertTrue(r.out().contains("env.DATA_BUCKET: \"s3://ds-data\" → \"s3://ds-data-2027\""));
    assertEquals(1, r.exit(), r.out());
    assertTrue(r.out().endsWith("check-policy: not ready to ship\n"), r.out());
  }

  @Test
  void aConfigurationWithAnErrorDoesNotShip() throws Exception {
    edit("  - name: spark images\n", "  - name: spark images\n    resourcez: {}\n");
    Run r = check(false);
    assertEquals(2, r.step("lint"), r.out());
    assertTrue(r.out().contains("profiles.yaml:23"), r.out());
    assertEquals(2, r.step("test"), r.out());
    assertEquals(2, r.step("diff"), r.out());
    assertEquals(1, r.exit(), r.out());
  }

  @Test
  void theGitHubActionsExampleRunsThisScript() throws IOException {
    String workflow = Files.readString(EXAMPLE.resolve("github-actions.yml"));
    assertTrue(
        workflow.contains("run: ./check-policy.sh ../deployed/policy policy last-week.jsonl"),
        workflow);
    assertTrue(workflow.contains("HUBPOLICY: java -jar "), workflow);
  }

  private void edit(String from, String to) throws IOException {
    Path f = candidate.resolve("profiles/profiles.yaml");
    String text = Files.readString(f);
    assertTrue(text.contains(from), "the example changed: no '" + from + "' in " + f);
    Files.writeString(f, text.replace(from, to));
  }

  private Run check(boolean failOnChange) throws Exception {
    Path log = tmp.resolve("check.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                "/bin/bash",
                EXAMPLE.resolve("check-policy.sh").toString(),
                base.toString(),
                candidate.toString(),
                base.resolve("audit/last-week.jsonl").toString())
            .directory(tmp.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("HUBPOLICY", java + " -jar " + JAR);
    pb.environment().put("FAIL_ON_CHANGE", failOnChange ? "1" : "0");
    pb.environment().keySet().removeIf(k -> k.startsWith("HUBPOLICY_"));
    Process p = pb.start();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "check-policy.sh did not finish");
    // Drools' compiler warnings are not the script's output.
    String out =
        String.join(
                "\n",
                Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.startsWith("[main] WARN "))
                    .toList())
            + "\n";
    return new Run(p.exitValue(), out);
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }
}
