package io.hubpolicy.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the default profiles and rules come from: {@code profiles/} and {@code rules/} of the
 * working directory when they exist, else the copies built into the jar, so the jar runs anywhere
 * with a sensible configuration.
 */
final class DefaultConfig {
  private DefaultConfig() {}

  static Path profiles() {
    return resolve("profiles");
  }

  static Path rules() {
    return resolve("rules");
  }

  private static Path resolve(String dir) {
    Path local = Path.of(dir);
    if (Files.isDirectory(local)) {
      return local;
    }
    URL url = DefaultConfig.class.getClassLoader().getResource("default-config/" + dir);
    if (url == null) {
      return local; // reported as missing by the loader, with its name
    }
    try {
      URI uri = url.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem fs;
        try {
          fs = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          fs = FileSystems.getFileSystem(uri);
        }
        return fs.getPath("/default-config/" + dir);
      }
      return Path.of(uri);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
