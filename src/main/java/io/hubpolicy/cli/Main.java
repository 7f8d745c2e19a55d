package io.hubpolicy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code decide}, {@code explain}, {@code validate}, {@code test}, {@code serve},
 * {@code workload}, {@code diff}.
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
      ServeCommand.class,
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
        "choose a command: decide, explain, validate, test, serve, workload or diff");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"hubpolicy " + (v == null ? "dev" : v)};
    }
  }
}
