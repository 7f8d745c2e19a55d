package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.cli.CliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hubpolicy lint} as a command: the text line format, the JSON list, and the exit codes (2
 * with an error, 1 with a warning under --strict, else 0) pinned on configurations with only infos,
 * a warning, and an error.
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
class LintCommandTest {
  @TempDir Path tmp;

  static final String INFO_ONLY =
      """
      profiles:
      - name: base
        env: [{name: A, value: '1'}, {name: B, value: '1'}]
      - name: later
        env: [{name: A, value: '2'}]
      """;
  static final String WARNING =
      INFO_ONLY
          + "- name: twice\n  users: [ann]\n  env:\n  - {name: X, value: '1'}\n  - {name: X, value: '2'}\n";
  static final String ERROR = INFO_ONLY + "- name: base\n  gpu: 1\n";

  static final Pattern LINE =
      Pattern.compile("^[^:]+\\.yaml:\\d+: (error|warning|info) [a-z-]+: .+$");

  Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  static Run lint(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "lint";
    System.arraycopy(args, 0, all, 1, args.length);
    Run r = CliTest.run(all);
    CliTest.assertNoStackTrace(r);
    return r;
  }

  @Test
  void exitCodesArePinned() throws Exception {
    Path info = write("info.yaml", INFO_ONLY);
    Path warning = write("warning.yaml", WARNING);
    Path error = write("error.yaml", ERROR);
    assertEquals(0, lint("--profiles", info.toString()).exit());
    assertEquals(0, lint("--profiles", info.toString(), "--strict").exit());
    assertEquals(0, lint("--profiles", warning.toString()).exit());
    assertEquals(1, lint("--profiles", warning.toString(), "--strict").exit());
    assertEquals(2, lint("--profiles", error.toString()).exit());
    assertEquals(2, lint("--profiles", error.toString(), "--strict").exit());
    // What validate rejects is an error too.
    Path broken = write("broken.yaml", "profiles:\n- name: x\n  colour: red\n");
    Run r = lint("--profiles", broken.toString());
    assertEquals(2, r.exit());
    assertTrue(r.out().contains(broken + ":3: error invalid-configuration: "), r.out());
  }

  @Test
  void textIsOneFindingPerLine() throws Exception {
    Path warning = write("warning.yaml", WARNING);
    Run r = lint("--profiles", warning.toString());
    String[] lines = r.out().strip().split("\n");
    for (String l : lines) {
      assertTrue(LINE.matcher(l).matches(), l);
    }
    assertTrue(r.out().contains(warning + ":10: warning duplicate-env: "), r.out());
    assertTrue(r.out().contains(warning + ":3: info overridden-field: "), r.out());
    assertTrue(r.err().contains("0 errors, 1 warning, 1 info"), r.err());
  }

  @Test
  void jsonIsAListOfFindings() throws Exception {
    Path error = write("error.yaml", ERROR);
    Run r = lint("--profiles", error.toString(), "--format", "json");
    assertEquals(2, r.exit());
    JsonNode list = JsonMapper.builder().build().readTree(r.out());
    assertTrue(list.isArray() && list.size() >= 1, r.out());
    JsonNode dup = null;
    for (JsonNode f : list) {
      assertEquals(
          java.util.List.of("code", "severity", "file", "line", "field", "message"),
          java.util.List.copyOf(f.propertyNames()));
      if (f.get("code").asString().equals("duplicate-profile")) {
        dup = f;
      }
    }
    assertTrue(dup != null, r.out());
    assertEquals("error", dup.get("severity").asString());
    assertEquals(error.toString(), dup.get("file").asString());
    assertEquals(6, dup.get("line").asInt());
    assertEquals("profiles[2]", dup.get("field").asString());
  }

  @Test
  void badFormatIsAUsageError() throws Exception {
    Path info = write("info.yaml", INFO_ONLY);
    Run r = CliTest.run("lint", "--profiles", info.toString(), "--format", "xml");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--format must be text or json"), r.err());
  }

  @Test
  void manifestsDirectoryStandsForTheCluster() throws Exception {
    Path p =
        write(
            "refs.yaml",
            """
            profiles:
            - name: refs
              env:
              - name: TOKEN
                valueFrom: {secretKeyRef: {name: s3, key: token}}
            sizes:
            - name: Huge
              resources: {requests: {cpu: '64'}}
            """);
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    Files.writeString(
        dir.resolve("node.yaml"),
        """
        apiVersion: v1
        kind: Node
        metadata: {name: n1}
        status:
          allocatable: {cpu: '4', memory: 16Gi}
          conditions: [{type: Ready, status: 'True'}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: other}
        data: {x: eA==}
        """);
    Run r = lint("--profiles", p.toString(), "--manifests", dir.toString());
    assertEquals(2, r.exit(), r.out());
    assertTrue(
        r.out()
            .contains(p + ":4: error missing-reference: profiles[0].env[0].valueFrom.secretKeyRef"),
        r.out());
    assertTrue(r.out().contains(p + ":7: warning unschedulable-size: sizes[0]"), r.out());
    assertTrue(r.err().contains("compared with the manifests in " + dir), r.err());
    Files.writeString(dir.resolve("bad.yaml"), "kind: [unclosed\n");
    Run bad = lint("--profiles", p.toString(), "--manifests", dir.toString());
    assertTrue(bad.out().contains("error invalid-manifests: "), bad.out());
  }
}
