package io.hubpolicy.cli;

import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.engine.RuleBaseBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --profiles} and {@code --rules}, shared by decide and serve. */
final class ConfigOptions {
  @Option(
      names = "--profiles",
      paramLabel = "PATH",
      description =
          "Profile file or directory (repeatable; concatenated in order, directories alphabetically). "
              + "Default: ./profiles, else the built-in one. Env: HUBPOLICY_PROFILES (comma-separated).")
  List<Path> profiles = new ArrayList<>();

  @Option(
      names = "--rules",
      paramLabel = "DIR",
      description =
          "Extra DRL rules (file or directory, repeatable), added to the built-in rules of ./rules "
              + "(else the jar's). Env: HUBPOLICY_RULES (comma-separated).")
  List<Path> rules = new ArrayList<>();

  List<Path> profilePaths() {
    if (!profiles.isEmpty()) {
      return profiles;
    }
    String env = System.getenv("HUBPOLICY_PROFILES");
    if (env != null && !env.isBlank()) {
      return split(env);
    }
    return List.of(DefaultConfig.profiles());
  }

  List<Path> rulePaths() {
    List<Path> out = new ArrayList<>();
    out.add(DefaultConfig.rules());
    String env = System.getenv("HUBPOLICY_RULES");
    if (rules.isEmpty() && env != null && !env.isBlank()) {
      out.addAll(split(env));
    }
    out.addAll(rules);
    return out;
  }

  private static List<Path> split(String s) {
    List<Path> out = new ArrayList<>();
    for (String p : s.split(",")) {
      if (!p.isBlank()) {
        out.add(Path.of(p.trim()));
      }
    }
    return out;
  }

  RuleBase build() {
    return RuleBaseBuilder.fromPaths(profilePaths(), rulePaths());
  }
}
