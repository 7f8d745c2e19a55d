package io.hubpolicy.model;

import java.util.List;
import java.util.stream.Collectors;

/** Profiles or rules that cannot be loaded; carries every problem found, not just the first. */
public class InvalidConfigException extends PolicyException {
  private final List<Problem> problems;

  public InvalidConfigException(List<Problem> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  private static String summary(List<Problem> problems) {
    return problems.size()
        + (problems.size() == 1 ? " problem" : " problems")
        + " in the configuration:\n"
        + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
  }
}
