package io.hubpolicy.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The HUBPOLICY_* environment variables the code reads: picocli's ${env:...} and getenv. */
final class EnvNames {
  static final Pattern READ =
      Pattern.compile("(?:\\$\\{env:|getenv\\(\\s*\")(HUBPOLICY_[A-Z0-9_]+)");

  private EnvNames() {}

  static Set<String> readByTheCode() {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = READ.matcher(Files.readString(f));
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!out.contains("HUBPOLICY_PORT")) {
      throw new AssertionError("the scan found no HUBPOLICY_PORT: it is broken: " + out);
    }
    return out;
  }
}
