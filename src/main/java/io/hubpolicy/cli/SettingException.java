package io.hubpolicy.cli;

/** A start-up setting that cannot be used (a missing file, a Secret without the key…). */
final class SettingException extends RuntimeException {
  SettingException(String option, String message) {
    super(option + ": " + message);
  }
}
