package io.hubpolicy.authoring;

import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The results as JUnit XML, which CI systems show as test reports: one {@code testsuite} per file,
 * one {@code testcase} per case, a {@code failure} with what differed; a file that could not run is
 * one {@code testcase} with an {@code error} listing its problems.
 */
public final class PolicyTestJUnitXml {
  private PolicyTestJUnitXml() {}

  /** Writes {@code results} to {@code out}, creating its directory when needed. */
  public static void write(List<PolicyTestResult> results, Path out) throws IOException {
    Document doc = document(results);
    Path dir = out.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try (OutputStream os = Files.newOutputStream(out)) {
      var t = TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(OutputKeys.INDENT, "yes");
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
      t.transform(new DOMSource(doc), new StreamResult(os));
    } catch (TransformerException e) {
      throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
    }
  }

  static Document document(List<PolicyTestResult> results) {
    Document doc;
    try {
      doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("every JDK has a DOM", e);
    }
    Element suites = doc.createElement("testsuites");
    suites.setAttribute("name", "hubpolicy test");
    doc.appendChild(suites);
    long tests = 0;
    long failures = 0;
    long errors = 0;
    long nanos = 0;
    for (PolicyTestResult r : results) {
      if (r.notATest()) {
        continue;
      }
      String file = r.file().toString();
      Element suite = doc.createElement("testsuite");
      suite.setAttribute("name", file);
      suite.setAttribute("file", file);
      suites.appendChild(suite);
      long suiteNanos = r.cases().stream().mapToLong(PolicyTestResult.Case::nanos).sum();
      if (!r.problems().isEmpty()) {
        Element tc = testcase(doc, r.file().getFileName().toString(), file, 0, 0);
        Element error = doc.createElement("error");
        error.setAttribute("type", "BadTestFile");
        error.setAttribute(
            "message",
            clean(r.problems().size() + (r.problems().size() == 1 ? " problem" : " problems")));
        error.setTextContent(
            clean(r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n"))));
        tc.appendChild(error);
        suite.appendChild(tc);
        counts(suite, 1, 0, 1, 0);
        tests++;
        errors++;
        continue;
      }
      for (PolicyTestResult.Case c : r.cases()) {
        Element tc = testcase(doc, c.name(), file, c.line(), c.nanos());
        if (!c.passed()) {
          Element failure = doc.createElement("failure");
          failure.setAttribute("type", "PolicyTestFailure");
          failure.setAttribute("message", clean(c.mismatches().get(0).oneLine()));
          failure.setTextContent(clean(c.describe()));
          tc.appendChild(failure);
        }
        suite.appendChild(tc);
      }
      counts(suite, r.cases().size(), r.failed(), 0, suiteNanos);
      tests += r.cases().size();
      failures += r.failed();
      nanos += suiteNanos;
    }
    counts(suites, tests, failures, errors, nanos);
    return doc;
  }

  private static Element testcase(Document doc, String name, String file, int line, long nanos) {
    Element tc = doc.createElement("testcase");
    tc.setAttribute("name", clean(name));
    tc.setAttribute("classname", file);
    tc.setAttribute("file", file);
    if (line > 0) {
      tc.setAttribute("line", String.valueOf(line));
    }
    tc.setAttribute("time", seconds(nanos));
    return tc;
  }

  private static void counts(Element e, long tests, long failures, long errors, long nanos) {
    e.setAttribute("tests", String.valueOf(tests));
    e.setAttribute("failures", String.valueOf(failures));
    e.setAttribute("errors", String.valueOf(errors));
    if (e.getTagName().equals("testsuite")) {
      e.setAttribute("skipped", "0");
    }
    e.setAttribute("time", seconds(nanos));
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }

  /** XML 1.0 cannot carry most control characters, even escaped. */
  private static String clean(String s) {
    return s.replaceAll("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]", "?");
  }
}
