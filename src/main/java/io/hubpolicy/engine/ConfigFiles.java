package io.hubpolicy.engine;

import io.hubpolicy.format.Texts;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Profile and rule files, watched: when one changes, every source is read again and submitted to
 * the {@link PolicyReloader}, which builds it off the request path and swaps it in, or rejects it
 * and keeps serving the last good rule base. The file-mode twin of {@code kube.ProfileConfigMaps}.
 *
 * <p>Only the named files (and config files inside named directories) wake it: a log written next
 * to a profile file does not cause re-reads. Kubernetes updates a mounted ConfigMap by swapping a
 * {@code ..data} symlink, which counts as a change of the directory. Events are collected for a
 * short settle time, so an editor's write-then-rename is read once. A periodic re-check covers file
 * systems whose change events don't arrive (network mounts); unchanged content costs a read and a
 * hash, never a build.
 */
public final class ConfigFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigFiles.class);
  static final Duration SETTLE = Duration.ofMillis(50);

  private final List<Path> profilePaths;
  private final List<Path> rulePaths;
  private final PolicyReloader reloader;
  private final Duration recheck;
  private final WatchService watcher;

  /** Per watched directory, the names that matter there; null means every config file. */
  private final Map<Path, Set<String>> interest = new HashMap<>();

  private final Thread thread;
  private final AtomicLong reads = new AtomicLong();

  private ConfigFiles(
      List<Path> profilePaths, List<Path> rulePaths, PolicyReloader reloader, Duration recheck)
      throws IOException {
    this.profilePaths = List.copyOf(profilePaths);
    this.rulePaths = List.copyOf(rulePaths);
    this.reloader = reloader;
    this.recheck = recheck;
    this.watcher = FileSystems.getDefault().newWatchService();
    List<Path> all = new ArrayList<>(profilePaths);
    all.addAll(rulePaths);
    for (Path p : all) {
      if (p.getFileSystem() != FileSystems.getDefault()) {
        continue; // the built-in configuration inside the jar never changes
      }
      Path abs = p.toAbsolutePath().normalize();
      if (Files.isDirectory(abs)) {
        register(abs, null);
      } else if (abs.getParent() != null && Files.isDirectory(abs.getParent())) {
        register(abs.getParent(), abs.getFileName().toString());
      }
    }
    this.thread = new Thread(this::loop, "config-files");
    thread.setDaemon(true);
  }

  /**
   * Starts watching. {@code recheck} is how often the files are read even without a change event.
   */
  public static ConfigFiles watch(
      List<Path> profilePaths, List<Path> rulePaths, PolicyReloader reloader, Duration recheck)
      throws IOException {
    ConfigFiles f = new ConfigFiles(profilePaths, rulePaths, reloader, recheck);
    f.thread.start();
    LOG.info(
        "watching {} for changes (and re-reading every {} s)",
        f.interest.keySet(),
        recheck.toSeconds());
    return f;
  }

  /** How many times the sources have been read since start: what tests watch. */
  public long reads() {
    return reads.get();
  }

  private void register(Path dir, String name) throws IOException {
    if (!interest.containsKey(dir)) {
      dir.register(
          watcher,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      interest.put(dir, name == null ? null : new HashSet<>());
    }
    Set<String> names = interest.get(dir);
    if (name == null) {
      interest.put(dir, null);
    } else if (names != null) {
      names.add(name);
    }
  }

  private boolean matters(Path dir, Path changed) {
    String n = changed.getFileName().toString();
    if (n.startsWith("..")) {
      return true; // a Kubernetes volume's atomic swap
    }
    Set<String> names = interest.get(dir);
    if (names == null) {
      // A directory: what the loaders would read from it (a profiles or a rules directory).
      return ConfigSources.isConfigFile(changed) || RuleSource.isRuleFile(changed);
    }
    return names.contains(n);
  }

  private void loop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        WatchKey key = watcher.poll(recheck.toMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          boolean changed = drain(key);
          // Let a burst (write, rename, chmod) settle, and take whatever came with it.
          Thread.sleep(SETTLE.toMillis());
          while ((key = watcher.poll()) != null) {
            changed |= drain(key);
          }
          if (!changed) {
            continue;
          }
        }
        try {
          readAndSubmit();
        } catch (RuntimeException | StackOverflowError e) {
          // Whatever one reading does, the watch goes on: the next change is read again.
          LOG.error("reading the configuration files failed; still watching them", e);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("watching configuration files stopped; restart to pick up changes", e);
    }
  }

  private boolean drain(WatchKey key) {
    boolean changed = false;
    Path dir = (Path) key.watchable();
    for (WatchEvent<?> e : key.pollEvents()) {
      if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
        changed = true;
      } else if (e.context() instanceof Path p && matters(dir, p)) {
        changed = true;
      }
    }
    key.reset();
    return changed;
  }

  /** Reads every source now and hands the result to the reloader; unreadable files are logged. */
  void readAndSubmit() {
    reads.incrementAndGet();
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> profiles = ConfigSources.fromPaths(profilePaths, problems);
    List<RuleSource> rules = RuleSource.fromPaths(rulePaths, problems);
    if (!problems.isEmpty()) {
      // Often a file caught between delete and re-create: the next event reads it again. Either
      // way it is a rejection, shown and counted once per distinct set of problems.
      reloader.reject(problems, List.of());
      return;
    }
    List<PolicyReloader.SourceVersion> versions = new ArrayList<>();
    profiles.forEach(s -> versions.add(new PolicyReloader.SourceVersion(s.name(), hash(s.text()))));
    rules.forEach(r -> versions.add(new PolicyReloader.SourceVersion(r.name(), hash(r.text()))));
    reloader.submit(new PolicyReloader.Input(profiles, rules, versions, List.of()));
  }

  private static String hash(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      Texts.digestUtf8(digest, text);
      byte[] d = digest.digest();
      return "sha256:" + HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      watcher.close();
    } catch (IOException e) {
      LOG.debug("closing the watch service", e);
    }
  }
}
