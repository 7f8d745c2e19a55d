package io.hubpolicy.profiles;

import io.hubpolicy.format.Texts;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads profile configuration in every format the old system accepted, strictly: unknown keys,
 * wrong types and bad quantities are problems naming the source, line and field. All problems are
 * collected so one run of {@code validate} reports everything.
 *
 * <p>The work is in parts: {@link ConfigSources} finds files, {@link Containers} unwraps what a
 * document arrives in, and one schema class per section ({@link DocumentSchema}, {@link
 * ProfileSchema}, {@link SizeSchema}, {@link GpuTypeSchema}, with {@link EnvSchema}, {@link
 * ResourcesSchema}, {@link VolumeSchema} and the services' own reader) keeps its keys beside the
 * code that reads them.
 */
public final class ProfileLoader {
  public static final String DEFAULT_DATA_KEY = "jupyterhub-singleuser-profiles.yaml";

  /** What a read produced: the configuration (possibly partial), its problems, and notes. */
  public record Result(PolicyConfig config, List<Problem> problems) {
    public PolicyConfig orThrow() {
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
      return config;
    }
  }

  private final String dataKey;

  /** The profiles of the last read by text, for the next read to reuse (a reload). */
  private final ProfileChunks chunks;

  public ProfileLoader() {
    this(DEFAULT_DATA_KEY);
  }

  /**
   * @param dataKey the ConfigMap key that holds profiles; a ConfigMap without it holds templates
   */
  public ProfileLoader(String dataKey) {
    this(dataKey, true);
  }

  /** With {@code readApart} false every source is read whole (tests compare the two). */
  ProfileLoader(String dataKey, boolean readApart) {
    this.dataKey = dataKey;
    this.chunks = readApart ? new ProfileChunks() : null;
  }

  /** Profiles reused from the previous read and profiles read, in the last read (for tests). */
  int[] lastReadCounts() {
    return chunks == null ? new int[2] : chunks.counts();
  }

  /** Files and directories (each read alphabetically), concatenated in the order given. */
  public Result readPaths(List<Path> paths) {
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> sources = ConfigSources.fromPaths(paths, problems);
    Result r = read(sources);
    problems.addAll(r.problems());
    return new Result(r.config(), problems);
  }

  /**
   * Reads sources in order; later profiles come after earlier ones (the last match wins). Sources
   * that add up to more than {@link Texts#MAX_SOURCE_BYTES} of text are refused before parsing:
   * building needs several times a configuration's size, and the largest accepted one is what the
   * deployment's memory is sized for.
   */
  public Result read(List<ConfigSource> sources) {
    Loaded acc = new Loaded();
    long total = 0;
    for (ConfigSource s : sources) {
      total += s.text().length();
    }
    if (total > Texts.MAX_SOURCE_BYTES) {
      sources.forEach(s -> acc.sources.add(s.name()));
      acc.problems.add(
          new Problem(
              sources.get(0).name(),
              0,
              "",
              String.format(
                  "the configuration's %d sources add up to %.1f million characters; at most %d"
                      + " MiB is read, so it is refused before parsing",
                  sources.size(), total / 1e6, Texts.MAX_SOURCE_BYTES >> 20)));
      return new Result(acc.config(), acc.problems);
    }
    Containers containers = new Containers(dataKey, acc, chunks);
    if (chunks == null) {
      sources.forEach(containers::read);
      return new Result(acc.config(), acc.problems);
    }
    chunks.begin();
    try {
      sources.forEach(containers::read);
    } finally {
      chunks.end();
    }
    return new Result(acc.config(), acc.problems);
  }
}
