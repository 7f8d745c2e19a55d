package io.hubpolicy.authoring;

/**
 * Every finding {@code hubpolicy lint} reports, with its stable code and its severity; {@code
 * docs/lint.md} explains each one, with an example and how to fix it. A code never changes its
 * severity: a case that deserves another severity gets a code of its own.
 */
public enum LintCode {
  /** A problem {@code validate} reports in the profile configuration (it does not load). */
  INVALID_CONFIGURATION("invalid-configuration", Severity.ERROR),
  /** A problem {@code validate} reports in a DRL file (it does not compile), or a missing path. */
  INVALID_RULES("invalid-rules", Severity.ERROR),
  /** A file of {@code --manifests DIR} cannot be read as Kubernetes objects. */
  INVALID_MANIFESTS("invalid-manifests", Severity.ERROR),
  /**
   * A service template among the files fails to render for an example user ({@code validate}'s
   * warning).
   */
  SERVICE_TEMPLATE("service-template", Severity.WARNING),
  /** Two profiles of one source (file, ConfigMap key) share a name. */
  DUPLICATE_PROFILE("duplicate-profile", Severity.ERROR),
  /** A later source has a profile of the same name: an overlay; both apply. */
  REDEFINED_PROFILE("redefined-profile", Severity.INFO),
  /** One profile sets the same variable twice. */
  DUPLICATE_ENV("duplicate-env", Severity.WARNING),
  /**
   * Every field the profile sets is overwritten by later profiles, for every request it matches.
   */
  SHADOWED_PROFILE("shadowed-profile", Severity.WARNING),
  /** One field the profile sets is overwritten by later profiles, for every request it matches. */
  OVERRIDDEN_FIELD("overridden-field", Severity.INFO),
  /** No request can match the profile. */
  UNMATCHABLE_PROFILE("unmatchable-profile", Severity.WARNING),
  /** A policy rule compares the size with a name that is no size. */
  UNKNOWN_SIZE_REFERENCE("unknown-size-reference", Severity.ERROR),
  /** A user's saved preferences name a size that does not exist (the form ignores it). */
  STALE_SAVED_SIZE("stale-saved-size", Severity.INFO),
  /** Nobody can choose the size. */
  UNUSED_SIZE("unused-size", Severity.WARNING),
  /** A later source has a size of the same name, which replaces this one: an overlay. */
  REDEFINED_SIZE("redefined-size", Severity.INFO),
  /** A Secret, ConfigMap, key, PersistentVolumeClaim or service template that does not exist. */
  MISSING_REFERENCE("missing-reference", Severity.ERROR),
  /** No ready node can hold what the size requests. */
  UNSCHEDULABLE_SIZE("unschedulable-size", Severity.WARNING),
  /** A time-limited exception whose date has passed: it no longer does anything. */
  EXPIRED_EXCEPTION("expired-exception", Severity.WARNING);

  /** How bad a finding is; {@code lint} exits 2 on an error, 1 on a warning with --strict. */
  public enum Severity {
    ERROR,
    WARNING,
    INFO;

    /** As printed: {@code error}, {@code warning}, {@code info}. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final String code;
  private final Severity severity;

  LintCode(String code, Severity severity) {
    this.code = code;
    this.severity = severity;
  }

  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }
}
