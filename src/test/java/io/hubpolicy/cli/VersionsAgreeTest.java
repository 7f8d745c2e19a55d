package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.format.KubeJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * One version string everywhere: the POM's is what {@code hubpolicy -V} prints, the image tag
 * deploy/ applies, and every image reference in the README, docs/ and deploy/.
 */
class VersionsAgreeTest {
  /**
   * hubpolicy's image with a tag: hubpolicy:0.1.0, registry.example.com/hubpolicy:0.1.0 (not a host
   * and port: hubpolicy:8080).
   */
  static final Pattern IMAGE =
      Pattern.compile("(?<![\\w.-])hubpolicy:(v?\\d+\\.[\\w.+-]*|latest)\\b");

  static final Pattern UNTAGGED = Pattern.compile("(-t|--tag)\\s+hubpolicy(?=\\s|$)");

  static String pomVersion() throws Exception {
    Element project =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile())
            .getDocumentElement();
    for (var n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals("version")) {
        return e.getTextContent().strip();
      }
    }
    throw new AssertionError("pom.xml has no project version");
  }

  @Test
  void dashVPrintsThePomsVersion() throws Exception {
    StringWriter out = new StringWriter();
    int code = Main.commandLine().setOut(new PrintWriter(out)).execute("-V");
    assertEquals(0, code);
    assertEquals("hubpolicy " + pomVersion(), out.toString().strip());
    assertEquals(pomVersion(), Main.version());
  }

  @Test
  void theBaseKustomizationTagsTheImageWithIt() throws Exception {
    Map<?, ?> k =
        KubeJson.SERIALIZATION.unmarshal(
            Files.readString(Path.of("deploy/base/kustomization.yaml")), Map.class);
    List<?> images = (List<?>) k.get("images");
    assertEquals(1, images.size());
    Map<?, ?> image = (Map<?, ?>) images.get(0);
    assertEquals("hubpolicy", image.get("name"));
    assertEquals(pomVersion(), image.get("newTag"));
  }

  @Test
  void everyImageReferenceInTheDocsAndManifestsIsIt() throws Exception {
    List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("BENCHMARKS.md")));
    for (String dir : List.of("docs", "deploy")) {
      try (Stream<Path> s = Files.walk(Path.of(dir))) {
        s.filter(p -> p.toString().matches(".*\\.(md|yaml)$")).forEach(files::add);
      }
    }
    String version = pomVersion();
    List<String> wrong = new ArrayList<>();
    int found = 0;
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = IMAGE.matcher(lines.get(i));
        while (m.find()) {
          found++;
          if (!m.group(1).equals(version)) {
            wrong.add(f + ":" + (i + 1) + ": " + m.group());
          }
        }
        // Built without a tag, it would be :latest.
        if (UNTAGGED.matcher(lines.get(i)).find()) {
          wrong.add(f + ":" + (i + 1) + ": untagged: " + lines.get(i).strip());
        }
      }
    }
    assertEquals(List.of(), wrong, "image references other than hubpolicy:" + version);
    // The steps on a cluster build, tag and push exactly this version.
    String cluster = Files.readString(Path.of("docs/running-on-a-cluster.md"));
    assertTrue(cluster.contains("hubpolicy:" + version), "docs/running-on-a-cluster.md");
    assertTrue(found > 1, "the scan found " + found + " image references: is it working?");
    assertFalse(version.isBlank());
  }
}
