package io.hubpolicy.preferences;

import io.hubpolicy.model.UserPreferences;
import java.util.Map;
import java.util.Set;

/**
 * Where users' saved choices live. Implementations never hand out secret values: {@link #load}
 * returns secret variables by name only; their values are written once and read by the kubelet.
 */
public interface PreferenceStore {
  /** From memory only; what decisions use, so that a decision never calls the API server. */
  UserPreferences cached(String user);

  /**
   * The saved preferences, read from the store if not cached; {@link UserPreferences#NONE} if none.
   */
  UserPreferences load(String user);

  /** Names of the secret variables that already have a stored value. */
  Set<String> storedSecrets(String user);

  /**
   * Saves {@code prefs}; {@code secretValues} holds new values for secret variables (a secret
   * variable without one keeps its stored value). Secret values not named in {@code prefs} are
   * removed.
   */
  void save(String user, UserPreferences prefs, Map<String, String> secretValues);

  /** Nobody has saved anything, and nothing can be saved: for a decider without users' choices. */
  PreferenceStore NONE =
      new PreferenceStore() {
        @Override
        public UserPreferences cached(String user) {
          return UserPreferences.NONE;
        }

        @Override
        public UserPreferences load(String user) {
          return UserPreferences.NONE;
        }

        @Override
        public Set<String> storedSecrets(String user) {
          return Set.of();
        }

        @Override
        public void save(String user, UserPreferences prefs, Map<String, String> secretValues) {
          throw new UnsupportedOperationException("this hubpolicy keeps no preferences");
        }
      };
}
