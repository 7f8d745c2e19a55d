package io.hubpolicy.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens read from a file, one per line, re-read when the file changes (a mounted Secret is updated
 * in place by the kubelet). If a re-read finds the file empty or unreadable, the tokens read last
 * stay valid: a half-written file must not lock the hub out.
 */
public final class TokenFile implements Tokens {
  private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
  private static final Duration RECHECK = Duration.ofSeconds(2);

  private final Path path;
  private volatile List<String> tokens;
  private volatile FileTime modified;
  private volatile long checkedAt;
  private final long recheckNanos;

  private TokenFile(Path path, List<String> tokens, FileTime modified, Duration recheck) {
    this.path = path;
    this.recheckNanos = recheck.toNanos();
    this.tokens = tokens;
    this.modified = modified;
    this.checkedAt = System.nanoTime();
  }

  /** Reads the file; it must exist and hold at least one token. */
  public static TokenFile read(Path path) {
    return read(path, RECHECK);
  }

  /**
   * @param recheck how long a change may go unnoticed: the file's time stamp is looked at no more
   *     often than this, so a request costs no system call
   */
  public static TokenFile read(Path path, Duration recheck) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("token file " + path + " does not exist");
    }
    try {
      FileTime m = Files.getLastModifiedTime(path);
      List<String> t = Tokens.parse(Files.readString(path, StandardCharsets.UTF_8));
      if (t.isEmpty()) {
        throw new IllegalArgumentException(
            "token file " + path + " holds no token (one per line; # starts a comment)");
      }
      return new TokenFile(path, t, m, recheck);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token file " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the file, or first creates it with a new random token (readable by its owner only) if it
   * does not exist: so that a service started without configuration is never open.
   *
   * @return the tokens, and whether the file was created
   */
  public static Created readOrCreate(Path path) {
    if (Files.exists(path)) {
      return new Created(read(path), false);
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(
            path,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(path);
      }
      Files.writeString(path, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create token file " + path + ": " + e.getMessage(), e);
    }
    return new Created(read(path), true);
  }

  public record Created(TokenFile tokens, boolean created) {}

  public Path path() {
    return path;
  }

  @Override
  public List<String> current() {
    long now = System.nanoTime();
    if (now - checkedAt > recheckNanos) {
      checkedAt = now;
      reloadIfChanged();
    }
    return tokens;
  }

  private void reloadIfChanged() {
    try {
      FileTime m = Files.getLastModifiedTime(path);
      if (m.equals(modified)) {
        return;
      }
      List<String> t = Tokens.parse(Files.readString(path, StandardCharsets.UTF_8));
      if (t.isEmpty()) {
        LOG.warn(
            "token file {} is now empty; keeping the {} token(s) read before", path, tokens.size());
        return;
      }
      tokens = t;
      modified = m;
      LOG.info("token file {} changed: {} token(s) now valid", path, t.size());
    } catch (IOException e) {
      LOG.warn(
          "cannot re-read token file {} ({}); keeping the tokens read before",
          path,
          e.getMessage());
    }
  }

  @Override
  public String describe() {
    return "token file " + path;
  }
}
