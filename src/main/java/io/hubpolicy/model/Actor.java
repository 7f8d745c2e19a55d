package io.hubpolicy.model;

/**
 * Who set a value. {@code kind} and {@code name} say what in the configuration or the request did
 * it — a profile, the chosen size, a side service, the user's own choice, or a policy rule — and
 * {@code source} where that is written ({@code file:line}; null for a choice, which is the user's).
 * {@code rule}, {@code salience} and {@code ruleSource} name the Drools rule that fired to do it
 * (for a profile or a size, the built-in rule that merges them). {@code profile} is the profile's
 * name when a profile set it, else null (kept for the callers that match on it).
 */
public record Actor(
    String rule,
    int salience,
    String profile,
    Kind kind,
    String name,
    String source,
    String ruleSource) {

  /** What set a field; {@link #word()} is how it reads in JSON and text. */
  public enum Kind {
    PROFILE("profile"),
    SIZE("size"),
    SERVICE("service"),
    CHOICE("choice"),
    RULE("rule");

    private final String word;

    Kind(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  public Actor {
    kind = kind == null ? (profile != null ? Kind.PROFILE : Kind.RULE) : kind;
    name = name == null ? (profile != null ? profile : rule) : name;
  }

  /** A rule, or a profile's merge rule, without source locations. */
  public Actor(String rule, int salience, String profile) {
    this(rule, salience, profile, null, null, null, null);
  }

  @Override
  public String toString() {
    String where = source != null ? " (" + source + ")" : "";
    return switch (kind) {
      case RULE -> "rule '" + rule + "'" + (ruleSource != null ? " (" + ruleSource + ")" : "");
      case CHOICE -> "the user's choice '" + name + "' (rule '" + rule + "')";
      default -> kind.word() + " '" + name + "'" + where + " (rule '" + rule + "')";
    };
  }
}
