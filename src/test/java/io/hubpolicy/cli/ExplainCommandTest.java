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
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(0, cmd.execute(args));
    return out.toString();
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
}
