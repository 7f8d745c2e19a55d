package io.hubpolicy.engine.facts;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Explanation keys such as {@code env.MEM_LIMIT}, made once per name: a decision writes dozens of
 * them, and a fresh string per write (plus hashing it) was the largest single cost of merging a
 * profile. Names come from the configuration, so the caches stay small; past a bound, keys are
 * simply built each time.
 */
final class FieldKeys {
  private static final int MAX = 100_000;
  private static final ConcurrentHashMap<String, String> ENV = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, String> RESOURCES = new ConcurrentHashMap<>();

  private FieldKeys() {}

  static String env(String name) {
    return key(ENV, "env.", name);
  }

  static String resource(String key) {
    return key(RESOURCES, "resources.", key);
  }

  private static String key(ConcurrentHashMap<String, String> cache, String prefix, String name) {
    String k = cache.get(name);
    if (k == null) {
      k = prefix + name;
      if (cache.size() < MAX) {
        cache.putIfAbsent(name, k);
      }
    }
    return k;
  }
}
