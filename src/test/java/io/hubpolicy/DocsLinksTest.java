package io.hubpolicy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link and anchor in the repository's Markdown resolves, and the README stays short
 * enough to read from the top. The checker itself is tested below on a small tree with known
 * breakage, so a pass means something.
 */
class DocsLinksTest {

  private static final Path REPO = Path.of("").toAbsolutePath();
  private static final int README_MAX_LINES = 400;

  @Test
  void everyRelativeLinkAndAnchorInTheRepositoryResolves() {
    assertTrue(
        Files.isRegularFile(REPO.resolve("pom.xml")),
        "run from the repository root (Maven's basedir); working directory is " + REPO);
    MarkdownLinks checker = new MarkdownLinks(REPO);
    List<Path> files = checker.markdownFiles();
    List<String> names = files.stream().map(f -> relative(f)).toList();
    for (String expected :
        List.of(
            "README.md",
            "docs/README.md",
            "BENCHMARKS.md",
            "hub/README.md",
            "rules/README.md",
            "examples/compat/README.md",
            "src/main/java/io/hubpolicy/engine/DESIGN.md")) {
      assertTrue(names.contains(expected), expected + " not among the files checked: " + names);
    }
    List<MarkdownLinks.Problem> problems = checker.check(files);
    if (!problems.isEmpty()) {
      fail(
          problems.size()
              + " broken link(s) in "
              + files.size()
              + " Markdown files:\n"
              + problems.stream().map(p -> p.describe(REPO)).collect(Collectors.joining("\n")));
    }
  }

  @Test
  void readmeIsAtMost400Lines() throws IOException {
    int lines = Files.readAllLines(REPO.resolve("README.md")).size();
    assertTrue(
        lines <= README_MAX_LINES,
        "README.md has "
            + lines
            + " lines; keep it at most "
            + README_MAX_LINES
            + " and move topics into docs/");
  }

  @Test
  void checkerReportsEveryBrokenLinkAndAnchorWithFileAndLine(@TempDir Path tmp) throws IOException {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    Files.writeString(tmp.resolve("outside.md"), "# Outside\n");
    Files.createDirectories(repo.resolve("docs"));
    Files.createDirectories(repo.resolve("target"));
    Files.createDirectories(repo.resolve(".git"));
    Files.writeString(repo.resolve("target/ignored.md"), "[gone](nowhere.md)\n");
    Files.writeString(repo.resolve(".git/ignored.md"), "[gone](nowhere.md)\n");
    Files.writeString(
        repo.resolve("docs/topic.md"),
        """
        # A topic

        ## Port, address, TLS

        ## Port, address, TLS

        <a name="explicit"></a>
        Back to [the start](../README.md#hubpolicy).
        """);
    Files.writeString(
        repo.resolve("README.md"),
        """
        # hubpolicy

        ## The hub hooks (`hub/hubpolicy_hooks.py`, HTTP)

        Good: [topic](docs/topic.md), [dir](docs/), [second](docs/topic.md#port-address-tls-1),
        [explicit](docs/topic.md#explicit), [here](#the-hub-hooks-hubhubpolicy_hookspy-http),
        [web](https://example.com/missing.md), [mail](mailto:a@example.com), ![img](docs/topic.md)
        Broken: [missing](docs/missing.md) and [anchor](docs/topic.md#no-such-heading)
        [in-page](#admission-webhook)
        [escape](../outside.md)
        [absolute](/docs/topic.md)
        [ref]: docs/gone.md
        <a href="docs/also-gone.md">html</a>
        Ignored: `[code](docs/missing.md)`

        ```sh
        # not a heading, and [not a link](docs/missing.md)
        ```
        """);

    MarkdownLinks checker = new MarkdownLinks(repo);
    List<Path> files = checker.markdownFiles();
    assertEquals(
        List.of("README.md", "docs/topic.md"),
        files.stream().map(f -> repo.relativize(f).toString().replace('\\', '/')).toList());
    List<String> problems =
        checker.check(files).stream().map(p -> p.describe(repo)).collect(Collectors.toList());
    assertEquals(
        List.of(
            "README.md:8: docs/missing.md → no such file or directory: docs/missing.md",
            "README.md:8: docs/topic.md#no-such-heading → no heading or anchor '#no-such-heading'"
                + " in docs/topic.md",
            "README.md:9: #admission-webhook → no heading or anchor '#admission-webhook' in"
                + " README.md",
            "README.md:10: ../outside.md → points outside the repository",
            "README.md:11: /docs/topic.md → absolute path; use a path relative to this file",
            "README.md:12: docs/gone.md → no such file or directory: docs/gone.md",
            "README.md:13: docs/also-gone.md → no such file or directory: docs/also-gone.md"),
        problems);
  }

  @Test
  void headingsGetGitHubsSlugs() {
    MarkdownLinks.Slugger s = new MarkdownLinks.Slugger();
    assertEquals(
        "the-hub-hooks-hubhubpolicy_hookspy-http",
        s.slug("The hub hooks (`hub/hubpolicy_hooks.py`, HTTP)"));
    assertEquals("http-api-serve", s.slug("HTTP API (`serve`)"));
    assertEquals("what---kube-changes", s.slug("What `--kube` changes"));
    assertEquals("bold-emphasis-and-a-link", s.slug("**Bold** _emphasis_ and [a link](x.md)"));
    assertEquals("snake_case-stays", s.slug("snake_case stays"));
    assertEquals("café--über", s.slug("Café — Über!"));
    assertEquals("faq", s.slug("FAQ"));
    assertEquals("faq-1", s.slug("FAQ"));
    assertEquals("faq-2", s.slug("FAQ?"));
    assertEquals("faq-1-1", s.slug("FAQ 1"));
  }

  private static String relative(Path file) {
    return REPO.relativize(file).toString().replace('\\', '/');
  }
}
