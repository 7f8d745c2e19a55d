package io.hubpolicy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code decide}, {@code explain}, {@code validate}, {@code test}, {@code lint},
 * {@code serve}, {@code workload}, {@code diff}.
 */
@Command(
    name = "hubpolicy",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Decides how JupyterHub single-user servers are configured, with Drools rules.",
    subcommands = {
      DecideCommand.class,
      ExplainCommand.class,
      ValidateCommand.class,
      TestCommand.class,
      LintCommand.class,
      ServeCommand.class,
      HistoryCommand.class,
      WorkloadCommand.class,
      DiffCommand.class
    })
public final class Main implements Runnable {
  /** Exit codes: 0 fine, 1 internal failure, 2 bad input or configuration. */
  static final int OK = 0;

  static final int FAILURE = 1;
  static final int BAD_INPUT = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line; tests set its out and err writers. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorHandler());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "choose a command: decide, explain, validate, test, lint, serve, history, workload or diff");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"hubpolicy " + version()};
    }
  }

  /**
   * The POM's version, written into a resource at build time (so it is right in the jar, in the
   * image and under {@code mvn test} alike, where no manifest exists).
   */
  public static String version() {
    try (InputStream in = Main.class.getResourceAsStream("/io/hubpolicy/version.properties")) {
      if (in == null) {
        throw new IllegalStateException(
            "io/hubpolicy/version.properties is missing from the build");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
