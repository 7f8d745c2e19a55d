package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line built for one command behaves as the one with every command. */
class MainTest {
  @Test
  void eachCommandIsListedUnderTheNameItsClassDeclares() {
    Main.COMMANDS.forEach(
        (name, command) -> {
          Object c = command.get();
          assertEquals(
              name, c.getClass().getAnnotation(Command.class).name(), c.getClass().getName());
        });
    assertEquals(
        List.of(
            "decide",
            "explain",
            "validate",
            "test",
            "lint",
            "serve",
            "history",
            "workload",
            "diff"),
        List.copyOf(Main.COMMANDS.keySet()));
  }

  @Test
  void nettysFlightRecorderEventsAreOffUnlessAskedFor() {
    Properties unset = new Properties();
    Main.jvmDefaults(unset);
    assertEquals("false", unset.getProperty(Main.NETTY_JFR));

    Properties asked = new Properties();
    asked.setProperty(Main.NETTY_JFR, "true");
    Main.jvmDefaults(asked);
    assertEquals("true", asked.getProperty(Main.NETTY_JFR));
  }

  @Test
  void rootHelpListsEveryCommand() {
    String help = run(Main.commandLine(), "--help");
    for (String name : Main.COMMANDS.keySet()) {
      assertTrue(help.contains("  " + name), name + " missing from:\n" + help);
    }
  }

  @Test
  void aCommandBuiltAloneSaysWhatItSaysAmongAllTheOthers() {
    for (String name : Main.COMMANDS.keySet()) {
      for (String[] args :
          List.of(new String[] {name, "--help"}, new String[] {name, "--no-such-option"})) {
        assertEquals(
            run(Main.commandLine(), args),
            run(Main.commandLine(args), args),
            String.join(" ", args));
      }
    }
  }

  @Test
  void aMisspeltCommandGetsTheFullCommandLineAndItsSuggestion() {
    String[] args = {"serv"};
    String out = run(Main.commandLine(args), args);
    assertTrue(out.contains("serve"), out);
    assertEquals(run(Main.commandLine(), args), out);
  }

  /** Out and err together, and the exit code. */
  private static String run(CommandLine cl, String... args) {
    StringWriter text = new StringWriter();
    PrintWriter w = new PrintWriter(text, true);
    cl.setOut(w);
    cl.setErr(w);
    int code = cl.execute(args);
    return code + "\n" + text;
  }
}
