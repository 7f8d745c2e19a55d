package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ExplainCommandTest {
  private String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    assertEquals(0, cmd.execute(args), err::toString);
    return out.toString();
  }

  /** The exit code and what went to stderr. */
  private static String[] fails(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    return new String[] {String.valueOf(cmd.execute(args)), err.toString()};
  }

  @Test
  void explainsWhoSetAFieldAndWhatItOverrode() {
    String text =
        run(
            "explain",
            "--user",
            "vpavlin",
            "--image",
            "s2i-thoth-notebook:3.6",
            "--size",
            "Large",
            "--field",
            "resources.limits.memory");
    assertTrue(text.contains("Profiles applied, in order: globals, Thoth Notebooks"), text);
    assertTrue(
        text.contains(
            "  resources.limits.memory = 8Gi\n"
                + "      set by rule 'The chosen size applies after every profile'\n"
                + "      overrode 1Gi from profile 'globals' (rule 'Apply matching profile')\n"
                + "      overrode 2Gi from profile 'Thoth Notebooks' (rule 'Apply matching profile')\n"),
        text);
    assertTrue(!text.contains("env.THOTH"), "--field filters the fields");
  }

  @Test
  void explainsWhyOtherProfilesDidNotApply() {
    String text = run("explain", "--user", "bob", "--image", "s2i-thoth-notebook:3.6");
    assertTrue(text.contains("  Special Nodes: user 'bob' not in users [acorvin]\n"), text);
    assertTrue(
        text.contains("  Thoth Notebooks: user 'bob' not in users [vpavlin, fpokorny]\n"), text);
  }

  @Test
  void theProfilesThatCameCloseComeFirst() {
    String text = run("explain", "--user", "vpavlin", "--image", "s2i-spark-notebook:3.6");
    assertTrue(
        text.contains(
            "Profiles that came close but did not apply:\n"
                + "  Thoth Notebooks: image 's2i-spark-notebook:3.6' matches none of images"
                + " [s2i-thoth-notebook:3.6]\n"
                + "Other profiles that did not apply:\n"
                + "  Special Nodes: user 'vpavlin' not in users [acorvin]\n"),
        text);
  }

  @Test
  void aFieldPrefixThatMatchesNothingIsBadInput() {
    String[] r = fails("explain", "--user", "bob", "--field", "resources.limitz");
    assertEquals("2", r[0], r[1]);
    assertTrue(
        r[1].startsWith(
            "hubpolicy: field: no field of this decision starts with 'resources.limitz'"),
        r[1]);
    assertTrue(r[1].contains("env.JUPYTERHUB_USER_NAME"), "lists the fields there are: " + r[1]);
  }

  @Test
  void aProfileThatAppliedSaysWhatItSetAndWhatWasOverridden() {
    String text =
        run(
            "explain",
            "--user",
            "vpavlin",
            "--image",
            "s2i-thoth-notebook:3.6",
            "--size",
            "Large",
            "--profile",
            "Thoth Notebooks");
    assertTrue(text.contains("Profile 'Thoth Notebooks' ("), text);
    assertTrue(text.contains("  applied\n"), text);
    assertTrue(text.contains("  set env.THOTH_DEPLOYMENT_NAME = "), text);
    assertTrue(
        text.contains(
            "  set resources.limits.memory = 2Gi, overridden by rule 'The chosen size applies"
                + " after every profile'\n"),
        text);
    assertTrue(!text.contains("globals"), "only the profile asked about: " + text);
  }

  @Test
  void aProfileThatDidNotApplySaysWhy() {
    String text =
        run(
            "explain",
            "--user",
            "bob",
            "--image",
            "s2i-thoth-notebook:3.6",
            "--profile",
            "Thoth Notebooks");
    assertTrue(
        text.contains("  did not apply: user 'bob' not in users [vpavlin, fpokorny]\n"), text);
  }

  @Test
  void anUnknownProfileIsBadInputListingTheProfiles() {
    String[] r = fails("explain", "--user", "bob", "--profile", "Thot Notebooks");
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].contains("no profile is named 'Thot Notebooks'"), r[1]);
    assertTrue(r[1].contains("Thoth Notebooks"), r[1]);
  }
}
