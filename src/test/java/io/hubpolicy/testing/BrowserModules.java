package io.hubpolicy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Installs the browser harness's npm dependency (playwright-core, pinned in {@code
 * src/test/browser/package-lock.json}) into {@code target/browser/node_modules}, once: node_modules
 * is never committed, and a clean checkout gets it on the first test that needs a browser.
 *
 * <p>{@code npm ci --prefer-offline} installs exactly the lock file and takes the package from
 * npm's cache when it is there, so later clean builds need no network. A stamp (the lock file's
 * digest) skips the install when nothing changed; a file lock keeps two JVMs (surefire, failsafe)
 * from installing into the same directory at once.
 */
final class BrowserModules {
  private BrowserModules() {}

  /** The outcome: the directory holding node_modules, or why there is none. */
  record Install(Path dir, String problem) {}

  static Install install(Path sources, Path dir, Path npm) {
    Path lockFile = sources.resolve("package-lock.json");
    Path packageJson = sources.resolve("package.json");
    if (!Files.isRegularFile(lockFile) || !Files.isRegularFile(packageJson)) {
      throw new IllegalStateException(
          "the repository lacks " + packageJson + " or " + lockFile + ": the harness needs both");
    }
    try {
      Files.createDirectories(dir);
      try (FileChannel ch =
              FileChannel.open(
                  dir.resolve(".install.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        String digest = sha256(lockFile);
        Path stamp = dir.resolve(".installed");
        Path module = dir.resolve("node_modules/playwright-core/package.json");
        if (Files.isRegularFile(module)
            && Commands.read(stamp).map(s -> s.strip().equals(digest)).orElse(false)) {
          return new Install(dir, null);
        }
        Files.copy(packageJson, dir.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(lockFile, dir.resolve("package-lock.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(stamp);
        Commands.Result r =
            Commands.run(
                List.of(
                    npm.toString(),
                    "ci",
                    "--prefer-offline",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=warn"),
                Duration.ofMinutes(5),
                dir,
                pb -> pb.directory(dir.toFile()));
        if (!r.ok() || !Files.isRegularFile(module)) {
          return new Install(
              null,
              "npm ci of "
                  + lockFile
                  + " into "
                  + dir
                  + " failed (the npm registry or npm's cache must have playwright-core): "
                  + r.describe());
        }
        Files.writeString(stamp, digest + "\n");
        return new Install(dir, null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
