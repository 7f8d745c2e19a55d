package io.hubpolicy.app;

/** A start-up setting that cannot be used (a missing file, a Secret without the key…). */
public final class SettingException extends RuntimeException {
  private final String option;

  public SettingException(String option, String message) {
    super(option + ": " + message);
    this.option = option;
  }

  /** The flag the problem is about, e.g. {@code --port}. */
  public String option() {
    return option;
  }
}
