package io.hubpolicy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
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
    description = "Decides how JupyterHub single-user servers are configured, with Drools rules.")
public final class Main implements Runnable {
  /**
   * The commands, by name, in the order help lists them. Not in {@code @Command(subcommands)}:
   * picocli would then build every command's model (reflection, an annotation proxy per option, 178
   * classes too old for the JVM's AOT cache) before running one, a third of a second of every
   * {@code serve} start (BENCHMARKS.md §5). {@code MainTest} checks the names against the classes'.
   */
  static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("decide", DecideCommand::new);
    COMMANDS.put("explain", ExplainCommand::new);
    COMMANDS.put("validate", ValidateCommand::new);
    COMMANDS.put("test", TestCommand::new);
    COMMANDS.put("lint", LintCommand::new);
    COMMANDS.put("serve", ServeCommand::new);
    COMMANDS.put("history", HistoryCommand::new);
    COMMANDS.put("workload", WorkloadCommand::new);
    COMMANDS.put("diff", DiffCommand::new);
  }

  /** Exit codes: 0 fine, 1 internal failure, 2 bad input or configuration. */
  static final int OK = 0;

  static final int FAILURE = 1;
  static final int BAD_INPUT = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    jvmDefaults(System.getProperties());
    System.exit(run(args));
  }

  static final String NETTY_JFR = "io.netty.jfr.enabled";

  /** System properties the command line sets unless they are given. */
  static void jvmDefaults(Properties system) {
    // Netty registers its allocator's flight-recorder events (off unless a recording asks for
    // them) at the first request: ~45 ms of CPU in the first answer's path, and ~80 ms of a start
    // to first decision (BENCHMARKS.md §5). -Dio.netty.jfr.enabled=true brings them back.
    system.putIfAbsent(NETTY_JFR, "false");
  }

  public static int run(String... args) {
    return commandLine(args).execute(args);
  }

  /** The configured command line with every command; tests set its out and err writers. */
  public static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /**
   * The command line for these arguments: with only the command they name when they start with one
   * (what it does and says is the same either way), else with every command (help, a misspelt
   * command and its suggestions).
   */
  static CommandLine commandLine(String... args) {
    CommandLine root = new CommandLine(new Main());
    Supplier<Object> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
    if (named != null) {
      root.addSubcommand(args[0], named.get());
    } else {
      COMMANDS.forEach((name, command) -> root.addSubcommand(name, command.get()));
    }
    return root.setExecutionExceptionHandler(new ErrorHandler());
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
