package io.hubpolicy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where this machine's PostgreSQL server programs are and as whom they must run, for {@link
 * Postgres}.
 *
 * <p>Debian's package puts them in {@code /usr/lib/postgresql/VERSION/bin} (not on PATH); the
 * highest version there is taken, or {@code -Dhubpolicy.postgres.bin=DIR}. The server refuses to
 * run as root, and the tests here run as root, so then every server command goes through {@code
 * runuser -u postgres --} (the OS user the package creates); any other user runs them as itself.
 */
record PostgresInstall(Path bin, String version, List<String> asServerUser, UserPrincipal owner) {
  static final String BIN_PROPERTY = "hubpolicy.postgres.bin";
  static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
  private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+)?");

  /** The command line that runs {@code program} from {@link #bin} as the server's user. */
  List<String> command(String program, String... args) {
    List<String> c = new ArrayList<>(asServerUser);
    c.add(bin.resolve(program).toString());
    c.addAll(List.of(args));
    return c;
  }

  /** This machine's installation, or why there is none usable. */
  static Found find() {
    String configured = System.getProperty(BIN_PROPERTY);
    return configured != null ? find(Path.of(configured), null) : find(null, DEBIAN_ROOT);
  }

  /** The outcome of {@link #find}: an installation, or the reason to skip. */
  record Found(PostgresInstall install, String problem) {}

  /** In {@code bin} when given, else the highest {@code root/VERSION/bin}. */
  static Found find(Path bin, Path root) {
    if (bin == null) {
      bin = highestVersion(root).orElse(null);
      if (bin == null) {
        return problem(
            "needs Debian's PostgreSQL server: apt-get install postgresql (.ci/run installs it);"
                + " found no "
                + root
                + "/VERSION/bin/initdb (or set -D"
                + BIN_PROPERTY
                + "=DIR)");
      }
    }
    for (String program : List.of("initdb", "pg_ctl", "postgres")) {
      if (!Files.isExecutable(bin.resolve(program))) {
        return problem(
            "needs the PostgreSQL server programs: no executable "
                + bin.resolve(program)
                + " (apt-get install postgresql; .ci/run installs it)");
      }
    }
    String version = bin.getParent() == null ? "?" : bin.getParent().getFileName().toString();
    try {
      if (!isRoot()) {
        UserPrincipal me =
            bin.getFileSystem()
                .getUserPrincipalLookupService()
                .lookupPrincipalByName(System.getProperty("user.name"));
        return new Found(new PostgresInstall(bin, version, List.of(), me), null);
      }
      UserPrincipal postgres;
      try {
        postgres =
            bin.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      } catch (IOException e) {
        return problem(
            "running as root, and PostgreSQL refuses to: needs the OS user 'postgres' to run it"
                + " as (Debian's postgresql package creates it), found none");
      }
      Optional<Path> runuser =
          Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
              .map(Path::of)
              .filter(Files::isExecutable)
              .findFirst();
      if (runuser.isEmpty()) {
        return problem(
            "running as root, and PostgreSQL refuses to: needs runuser (util-linux) to run it as"
                + " 'postgres'");
      }
      return new Found(
          new PostgresInstall(
              bin, version, List.of(runuser.get().toString(), "-u", "postgres", "--"), postgres),
          null);
    } catch (IOException e) {
      return problem("cannot tell who may run PostgreSQL here: " + e);
    }
  }

  /** uid 0? /proc/self belongs to whoever this process runs as. */
  static boolean isRoot() throws IOException {
    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
  }

  private static Optional<Path> highestVersion(Path root) {
    if (root == null || !Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .filter(v -> VERSION.matcher(v.getFileName().toString()).matches())
          .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
          .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
          .map(v -> v.resolve("bin"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Found problem(String why) {
    return new Found(null, why);
  }
}
