package io.hubpolicy.engine.facts;

import io.hubpolicy.model.PodSettings;
import java.util.List;
import java.util.Map;

/** KubeSpawner's pod fields merged into a decision, each write traced. */
final class PodMerge {
  private PodMerge() {}

  /** Merges pod settings as the last writer: per key, by name, or whole. */
  static void merge(PodSettings settings, PodSettings.Merged pod, WriteLog log) {
    settings
        .values()
        .forEach(
            (f, v) -> {
              switch (f.merge()) {
                case MAP ->
                    ((Map<?, ?>) v)
                        .forEach(
                            (k, val) -> {
                              pod.put(f, (String) k, val);
                              log.write(f.key() + ".", (String) k, val);
                            });
                case BY_NAME ->
                    ((List<?>) v)
                        .forEach(
                            item -> {
                              String name = PodSettings.nameOf(item);
                              pod.put(f, name, item);
                              log.write(f.key() + ".", name, item);
                            });
                case WHOLE -> {
                  pod.put(f, null, v);
                  log.write(f.key(), null, v);
                }
              }
            });
  }
}
