package io.hubpolicy.engine;

import io.hubpolicy.format.Texts;
import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** DRL text and the name (file path) that compile errors point at. */
public record RuleSource(String name, String text) {

  /** {@code .drl} files of each path (directories alphabetically), in the order given. */
  public static List<RuleSource> fromPaths(List<Path> paths, List<Problem> problems) {
    List<RuleSource> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          files
              .filter(f -> isRuleFile(f) && Files.isRegularFile(f))
              .sorted()
              .forEach(f -> read(f, out, problems));
        } catch (IOException e) {
          problems.add(
              new Problem(p.toString(), 0, "", "cannot list directory: " + e.getMessage()));
        }
      } else if (Files.isRegularFile(p)) {
        read(p, out, problems);
      } else {
        problems.add(new Problem(p.toString(), 0, "", "no such file or directory"));
      }
    }
    return out;
  }

  /** Whether a file in a rules directory is read. */
  public static boolean isRuleFile(Path f) {
    return f.getFileName().toString().endsWith(".drl");
  }

  private static void read(Path f, List<RuleSource> out, List<Problem> problems) {
    try {
      out.add(new RuleSource(f.toString(), Texts.readUtf8(f)));
    } catch (Texts.Unreadable e) {
      problems.add(e.problem());
    }
  }
}
