package io.hubpolicy.testing;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a real part it needs (Chromium, a PostgreSQL server) is not on this
 * machine: it is skipped, per test method, with the exact reason printed in a banner, so that a
 * skip is never silent.
 *
 * <p>Where the part is known to be installed (CI installs it), a skip would hide a broken harness
 * or a broken install, so {@code HUBPOLICY_REQUIRE="browser postgres"} (or {@code
 * -Dhubpolicy.require=browser,postgres}) turns the skip of those parts into a failure with the same
 * reason.
 */
public final class Parts {
  /** The name a harness gives its part in skip messages and in {@link #REQUIRE_ENV}. */
  public static final String BROWSER = "browser";

  public static final String POSTGRES = "postgres";

  /** Environment variable naming the parts that must be there (space or comma separated). */
  public static final String REQUIRE_ENV = "HUBPOLICY_REQUIRE";

  public static final String REQUIRE_PROPERTY = "hubpolicy.require";

  private Parts() {}

  /** The parts named in {@link #REQUIRE_ENV} and {@link #REQUIRE_PROPERTY}. */
  public static Set<String> required() {
    String names =
        System.getenv().getOrDefault(REQUIRE_ENV, "")
            + " "
            + System.getProperty(REQUIRE_PROPERTY, "");
    return Arrays.stream(names.split("[\\s,]+"))
        .map(s -> s.strip().toLowerCase(Locale.ROOT))
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Ends the calling test because {@code part} is missing or cannot start: skipped (JUnit's
   * TestAbortedException) or, when the part is required, failed. Never returns.
   */
  public static RuntimeException missing(String part, String reason) {
    String who = callingTest();
    if (required().contains(part)) {
      String message =
          part
              + " is required here ("
              + REQUIRE_ENV
              + "/-D"
              + REQUIRE_PROPERTY
              + ") but: "
              + reason;
      System.err.println(banner(who + "FAILED: " + message));
      throw new AssertionError(message);
    }
    System.err.println(banner(who + "SKIPPED: " + reason));
    Assumptions.abort(reason);
    throw new AssertionError("unreachable");
  }

  static String banner(String text) {
    String line = "=".repeat(78);
    return "\n" + line + "\n" + text.strip() + "\n" + line + "\n";
  }

  /** "SomeTest.method: " from the first frame of a *Test or *IT class: whose skip it is. */
  private static String callingTest() {
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .filter(
                        f -> {
                          String outer = simpleName(f.getClassName()).split("\\$")[0];
                          return outer.endsWith("Test") || outer.endsWith("IT");
                        })
                    .findFirst()
                    .map(f -> simpleName(f.getClassName()) + "." + method(f) + ": ")
                    .orElse(""));
  }

  /** "lambda$testName$0" (an assertThrows in the test) is testName. */
  private static String method(StackWalker.StackFrame f) {
    String name = f.getMethodName();
    return name.startsWith("lambda$") ? name.split("\\$")[1] : name;
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
