package io.hubpolicy.cli;

import io.hubpolicy.authoring.DiffReplay;
import io.hubpolicy.authoring.DiffReport;
import io.hubpolicy.authoring.DiffSummary;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.model.InvalidConfigException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Replays requests against two configurations and reports every request whose decision",
      "changes: who, and per field old → new; then a summary. FILE holds one request per line:",
      "an audit record as serve writes it, or a request body (POST /v1/decisions) as workload",
      "writes it, told apart per line; - reads standard input.",
      "Exit 0 when no decision changes, 1 when some do, 2 on bad input (a bad line, named",
      "FILE:LINE, or a configuration with problems), 3 when the diff itself failed.",
      "See docs/diff.md."
    })
final class DiffCommand implements Callable<Integer> {
  static final int CHANGED = 1;
  static final int FAILED = 3;

  /** Bad lines printed one by one; the rest are counted. */
  static final int BAD_LINES_SHOWN = 20;

  @Option(
      names = "--base",
      required = true,
      arity = "1..*",
      paramLabel = "PATH",
      description = "The configuration as it is: profile files or directories, as --profiles.")
  List<Path> base = new ArrayList<>();

  @Option(
      names = "--candidate",
      required = true,
      arity = "1..*",
      paramLabel = "PATH",
      description = "The configuration to compare with it (same kinds of sources).")
  List<Path> candidate = new ArrayList<>();

  @Option(
      names = "--requests",
      required = true,
      paramLabel = "FILE",
      description = "Audit log or request bodies, one JSON per line; - for standard input.")
  String requests;

  @Option(
      names = "--rules",
      arity = "1..*",
      paramLabel = "PATH",
      description = "DRL added to both, on top of the built-in rules (as --rules elsewhere).")
  List<Path> rules = new ArrayList<>();

  @Option(
      names = "--base-rules",
      arity = "1..*",
      paramLabel = "PATH",
      description = "DRL added to the base only.")
  List<Path> baseRules = new ArrayList<>();

  @Option(
      names = "--candidate-rules",
      arity = "1..*",
      paramLabel = "PATH",
      description = "DRL added to the candidate only.")
  List<Path> candidateRules = new ArrayList<>();

  @Option(
      names = "--format",
      defaultValue = "text",
      paramLabel = "text|json",
      description = "text (default), or json: JSON Lines, one object per change, then a summary.")
  String format;

  @Option(
      names = "--threads",
      defaultValue = "0",
      paramLabel = "N",
      description = "Threads deciding (default 0: one per processor); output keeps input order.")
  int threads;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    DiffReport.Format f;
    try {
      f = DiffReport.Format.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      err.println("hubpolicy: --format must be text or json, not '" + format + "'");
      return Main.BAD_INPUT;
    }
    RuleBase b = build("--base", base, baseRules, err);
    RuleBase c = build("--candidate", candidate, candidateRules, err);
    if (b == null || c == null) {
      return Main.BAD_INPUT;
    }
    boolean stdin = requests.equals("-");
    Path file = stdin ? null : Path.of(requests);
    if (file != null && !Files.isRegularFile(file)) {
      err.println("hubpolicy: --requests: no such file: " + requests);
      return Main.BAD_INPUT;
    }
    String name = stdin ? "<stdin>" : requests;
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    Writer out =
        new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 64 * 1024);
    long[] shown = {0};
    DiffSummary s;
    try (InputStream in = stdin ? System.in : Files.newInputStream(file)) {
      s =
          new DiffReplay(b, c, n)
              .run(
                  in,
                  name,
                  new DiffReport(f, out),
                  line -> {
                    if (shown[0]++ < BAD_LINES_SHOWN) {
                      err.println(line);
                      err.flush();
                    }
                  });
    } catch (IOException | RuntimeException e) {
      err.println("hubpolicy: diff failed: " + e);
      return FAILED;
    }
    if (s.badLines() > 0) {
      if (s.badLines() > BAD_LINES_SHOWN) {
        err.println("... and " + (s.badLines() - BAD_LINES_SHOWN) + " more bad lines");
      }
      err.println(
          "hubpolicy: "
              + s.badLines()
              + (s.badLines() == 1 ? " line" : " lines")
              + " of "
              + name
              + " neither an audit record nor a request body; not replayed");
      return Main.BAD_INPUT;
    }
    return s.changed() > 0 ? CHANGED : Main.OK;
  }

  /**
   * A side's rule base (built-in rules, then --rules, then its own), or null after its problems.
   */
  private RuleBase build(String side, List<Path> profiles, List<Path> ownRules, PrintWriter err) {
    List<Path> rulePaths = new ArrayList<>();
    rulePaths.add(DefaultConfig.rules());
    rulePaths.addAll(rules);
    rulePaths.addAll(ownRules);
    try {
      return RuleBaseBuilder.fromPaths(profiles, rulePaths);
    } catch (InvalidConfigException e) {
      err.println("hubpolicy: " + side + ": " + e.getMessage());
      return null;
    }
  }
}
