package io.hubpolicy.preferences;

import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Preferences for a hubpolicy without a cluster (files mode): kept in memory, lost on restart. Good
 * for trying the spawn form locally; a deployment uses the ConfigMap store in {@code kube}.
 */
public final class InMemoryPreferenceStore implements PreferenceStore {
  private final Map<String, UserPreferences> prefs = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

  @Override
  public UserPreferences cached(String user) {
    return prefs.getOrDefault(user, UserPreferences.NONE);
  }

  @Override
  public UserPreferences load(String user) {
    return cached(user);
  }

  @Override
  public Set<String> storedSecrets(String user) {
    return Set.copyOf(secrets.getOrDefault(user, Map.of()).keySet());
  }

  @Override
  public synchronized void save(String user, UserPreferences p, Map<String, String> values) {
    Map<String, String> next = new HashMap<>();
    Map<String, String> before = secrets.getOrDefault(user, Map.of());
    for (UserVariable v : p.env()) {
      if (v.secret()) {
        next.put(v.name(), values.getOrDefault(v.name(), before.get(v.name())));
      }
    }
    secrets.put(user, next);
    prefs.put(user, p);
  }
}
