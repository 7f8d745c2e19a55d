package io.hubpolicy.profiles;

import io.hubpolicy.format.Texts;
import io.hubpolicy.model.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds the configuration files named on the command line and reads them as sources. */
public final class ConfigSources {
  private ConfigSources() {}

  /** Files and directories (each read alphabetically), in the order given. */
  public static List<ConfigSource> fromPaths(List<Path> paths, List<Problem> problems) {
    List<ConfigSource> sources = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          files
              .filter(f -> Files.isRegularFile(f) && isConfigFile(f))
              .sorted()
              .forEach(f -> read(f, sources, problems));
        } catch (IOException e) {
          problems.add(
              new Problem(p.toString(), 0, "", "cannot list directory: " + e.getMessage()));
        }
      } else if (Files.isRegularFile(p)) {
        read(p, sources, problems);
      } else {
        problems.add(new Problem(p.toString(), 0, "", "no such file or directory"));
      }
    }
    return sources;
  }

  /** Whether a file in a profiles directory is read: .yaml, .yml or .json, not hidden. */
  public static boolean isConfigFile(Path f) {
    String n = f.getFileName().toString();
    return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
  }

  private static void read(Path f, List<ConfigSource> sources, List<Problem> problems) {
    try {
      sources.add(new ConfigSource(f.toString(), Texts.readUtf8(f)));
    } catch (Texts.Unreadable e) {
      problems.add(e.problem());
    }
  }
}
