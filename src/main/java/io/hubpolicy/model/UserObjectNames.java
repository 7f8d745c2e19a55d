package io.hubpolicy.model;

/**
 * Names of the per-user objects that hold preferences, as the old system named them, with the user
 * part escaped like KubeSpawner's safe slugs so any user name gives a valid object name.
 */
public final class UserObjectNames {
  public static final String PREFERENCES_PREFIX = "jupyterhub-singleuser-profile-";
  public static final String PREFERENCES_KEY = "profile";

  private UserObjectNames() {}

  /** ConfigMap with the saved choices, key {@value #PREFERENCES_KEY}. */
  public static String preferencesConfigMap(String user) {
    return PREFERENCES_PREFIX + SafeNames.safeSlug(user);
  }

  /** Secret with the values of the user's secret variables, one key per variable. */
  public static String variablesSecret(String user) {
    return preferencesConfigMap(user) + "-envs";
  }
}
