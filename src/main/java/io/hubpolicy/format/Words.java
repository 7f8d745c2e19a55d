package io.hubpolicy.format;

/**
 * An exception from a library (Jackson, fabric8, SnakeYAML) as words for a person: its first line,
 * never a stack trace. Every message built from a library's exception goes through here, so there
 * is one place that decides what of it a user sees.
 */
public final class Words {
  private Words() {}

  public static String of(Throwable e) {
    return firstLine(e.getMessage());
  }

  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
