package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code hubpolicy test}: its output, its exit codes (0 all passed, 1 a case failed, 2 a test file
 * that cannot run) and its JUnit XML, read back.
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
class TestCommandTest {
  static final String CONFIG =
      """
      config: |
        profiles:
        - name: base
          resources: {limits: {cpu: '1', memory: 2Gi}}
        sizes:
        - name: Large
          resources: {limits: {cpu: '8', memory: 8Gi}}
      cases:
      """;

  static final String PASSING =
      CONFIG
          + """
          - name: the size wins
            request: {user: ann, size: Large}
            expect:
              limits: {cpu: '8'}
              sources: {resources.limits.cpu: {rule: The chosen size applies after every profile}}
          - name: no size keeps the profile's
            request: {user: ann}
            expect: {limits: {cpu: '1'}}
          """;

  static final String FAILING =
      CONFIG
          + """
          - name: passes
            request: {user: ann}
          - name: wrong memory
            request: {user: ann, size: Large}
            expect: {limits: {memory: 4Gi}}
          """;

  static final String BAD = CONFIG + "- name: typo\n  request: {user: ann}\n  expct: {}\n";

  @TempDir Path tmp;
  Path passing;
  Path failing;
  Path bad;

  @BeforeEach
  void files() throws IOException {
    passing = Files.writeString(tmp.resolve("passing.yaml"), PASSING);
    failing = Files.writeString(tmp.resolve("failing.yaml"), FAILING);
    bad = Files.writeString(tmp.resolve("bad.yaml"), BAD);
  }

  static String lastLine(String out) {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void allPassingIsExitZero() {
    CliTest.Run r = CliTest.run("test", passing.toString());
    assertEquals(0, r.exit(), r.out() + r.err());
    assertEquals("ok    " + passing + " (2 cases)\n2 passed, 0 failed\n", r.out());
  }

  @Test
  void verboseListsThePassingCasesWithTheirLines() {
    CliTest.Run r = CliTest.run("test", "-v", passing.toString());
    assertTrue(r.out().startsWith("PASS  " + passing + ":9: the size wins\n"), r.out());
    assertTrue(r.out().contains("PASS  " + passing + ":14: no size keeps the profile's\n"));
  }

  @Test
  void aFailingCaseIsExitOneWithExpectedAndGot() {
    CliTest.Run r = CliTest.run("test", passing.toString(), failing.toString());
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "FAIL  "
                    + failing
                    + ":11: wrong memory\n"
                    + "      resources.limits.memory (line 13)\n"
                    + "        expected: 4Gi\n"
                    + "        got:      8Gi, set by rule 'The chosen size applies after every"
                    + " profile'\n"
                    + "FAIL  "
                    + failing
                    + " (1 passed, 1 failed)\n"),
        r.out());
    assertEquals("3 passed, 1 failed", lastLine(r.out()));
  }

  @Test
  void aBadTestFileIsExitTwoWithFileLineAndField() {
    CliTest.Run r = CliTest.run("test", passing.toString(), failing.toString(), bad.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(
        r.err()
            .contains(
                bad
                    + ":11: cases[0].expct: unknown key 'expct' (known keys: expect, fired,"
                    + " firedInOrder, name, notFired, request)"),
        r.err());
    assertTrue(r.out().contains("ERROR " + bad + " (1 problem, not run)\n"), r.out());
    assertEquals("3 passed, 1 failed, 1 test file with problems", lastLine(r.out()));
  }

  @Test
  void aMissingPathOrADirectoryWithoutTestsIsExitTwo() throws IOException {
    CliTest.Run missing = CliTest.run("test", tmp.resolve("nope").toString());
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains(tmp.resolve("nope") + ": no such file or directory"));
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("profiles.yaml"), "profiles: []\n");
    CliTest.Run none = CliTest.run("test", empty.toString());
    assertEquals(2, none.exit(), none.out() + none.err());
    assertTrue(none.err().contains("no policy test files (YAML files with cases:) in " + empty));
    assertEquals("0 passed, 0 failed", lastLine(none.out()));
  }

  @Test
  void withoutPathItRunsTheRulesTestsOfTheWorkingDirectory() {
    CliTest.Run r = CliTest.run("test");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("ok    rules/tests/sizes.yaml (2 cases)\n"), r.out());
    assertTrue(lastLine(r.out()).matches("[1-9][0-9]* passed, 0 failed"), r.out());
  }

  @Test
  void junitXmlHasASuitePerFileACasePerCaseAndTheFailures() throws Exception {
    Path xml = tmp.resolve("reports/deeper/policy-tests.xml");
    CliTest.Run r =
        CliTest.run(
            "test",
            "--junit",
            xml.toString(),
            passing.toString(),
            failing.toString(),
            bad.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
    Element root = doc.getDocumentElement();
    assertEquals("testsuites", root.getTagName());
    assertEquals("5", root.getAttribute("tests"));
    assertEquals("1", root.getAttribute("failures"));
    assertEquals("1", root.getAttribute("errors"));
    List<Element> suites = elements(root.getElementsByTagName("testsuite"));
    assertEquals(
        List.of(passing.toString(), failing.toString(), bad.toString()),
        suites.stream().map(s -> s.getAttribute("name")).toList());
    assertEquals("2", suites.get(0).getAttribute("tests"));
    assertEquals("0", suites.get(0).getAttribute("failures"));
    assertEquals("1", suites.get(1).getAttribute("failures"));
    List<Element> cases = elements(suites.get(1).getElementsByTagName("testcase"));
    assertEquals(
        List.of("passes", "wrong memory"),
        cases.stream().map(c -> c.getAttribute("name")).toList());
    assertEquals(failing.toString(), cases.get(1).getAttribute("classname"));
    assertEquals("11", cases.get(1).getAttribute("line"));
    assertEquals(0, cases.get(0).getElementsByTagName("failure").getLength());
    Element failure = (Element) cases.get(1).getElementsByTagName("failure").item(0);
    assertEquals(
        "resources.limits.memory: expected 4Gi, got 8Gi, set by rule 'The chosen size applies"
            + " after every profile'",
        failure.getAttribute("message"));
    assertTrue(failure.getTextContent().contains("expected: 4Gi\n"), failure.getTextContent());
    Element error = (Element) suites.get(2).getElementsByTagName("error").item(0);
    assertEquals("1 problem", error.getAttribute("message"));
    assertTrue(error.getTextContent().contains(bad + ":11: cases[0].expct: unknown key"));
  }

  @Test
  void anUnwritableJunitFileIsExitTwo() throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "");
    CliTest.Run r =
        CliTest.run("test", "--junit", file.resolve("x.xml").toString(), passing.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("hubpolicy: --junit " + file.resolve("x.xml")), r.err());
    assertFalse(r.out().isEmpty());
  }

  private static List<Element> elements(NodeList nodes) {
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }
}
