package io.hubpolicy.services;

/**
 * The JSONPath dialects a service's {@code return} may use: Jayway's ({@code $.metadata.name}), the
 * old system's bare form ({@code metadata.name}) and kubectl's ({@code {.metadata.name}}).
 */
public final class ReturnPaths {
  private ReturnPaths() {}

  /** The path as Jayway JsonPath reads it. */
  public static String normalize(String path) {
    String p = path.strip();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1).strip();
    }
    if (p.startsWith("$") || p.startsWith("@")) {
      return p;
    }
    return p.startsWith(".") || p.startsWith("[") ? "$" + p : "$." + p;
  }
}
