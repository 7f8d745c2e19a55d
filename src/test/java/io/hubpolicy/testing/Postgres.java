package io.hubpolicy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for one test: Debian's server programs, a fresh data directory under
 * /tmp, a free port on 127.0.0.1, a database and a password-authenticated role of its own.
 *
 * <pre>{@code
 * try (Postgres pg = Postgres.start()) {            // skips the test when there is no PostgreSQL
 *   try (Connection c = pg.connect()) { ... }       // or DriverManager.getConnection(pg.jdbcUrl(),
 *                                                   //     pg.user(), pg.password())
 *   pg.restart(Duration.ofSeconds(3));              // an outage: down 3 s, then up, same port/data
 *   pg.stop(); ...; pg.startAgain();                // an outage the test times itself
 *   pg.kill9(); pg.startAgain();                    // a crash, then crash recovery
 * }                                                 // stopped, directory deleted
 * }</pre>
 *
 * <p>As root the server runs as the OS user {@code postgres} (it refuses root), which owns the
 * directory. Durability settings are off ({@code fsync}, {@code full_page_writes}): committed data
 * survives a stop or a kill -9 of the server, not a crash of the machine, which no test here makes.
 */
public final class Postgres implements AutoCloseable {
  public static final String DATABASE = "hubpolicy";
  public static final String USER = "hubpolicy";
  public static final String SUPERUSER = "postgres";
  static final String HOST = "127.0.0.1";

  private static final Duration COMMAND_TIME = Duration.ofSeconds(90);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Servers not closed by their test are stopped when the JVM exits, not left running. */
  private static final Set<Postgres> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> List.copyOf(OPEN).forEach(Postgres::close), "postgres-cleanup"));
  }

  private final PostgresInstall install;
  private final Path root; // owned by the server's user: data/, server.log, the socket
  private final Path data;
  private final String password = secret();
  private final String superPassword = secret();
  private volatile int port;
  private volatile boolean running;
  private volatile Duration lastStart = Duration.ZERO;

  private Postgres(PostgresInstall install, Path root) {
    this.install = install;
    this.root = root;
    this.data = root.resolve("data");
  }

  /**
   * A new server, started, with database {@link #DATABASE} owned by role {@link #USER}; or the
   * calling test ends here, skipped with the reason (failed instead where {@link Parts#REQUIRE_ENV}
   * names {@code postgres}).
   */
  public static Postgres start() {
    PostgresInstall.Found found = PostgresInstall.find();
    if (found.problem() != null) {
      throw Parts.missing(Parts.POSTGRES, found.problem());
    }
    Postgres pg = create(found.install());
    try {
      pg.initialize();
      return pg;
    } catch (StartFailure e) {
      pg.close();
      throw Parts.missing(Parts.POSTGRES, e.getMessage());
    } catch (RuntimeException | Error e) {
      pg.close();
      throw e;
    }
  }

  /** Why there is no PostgreSQL here (binaries, OS user), without ending the test. */
  public static Optional<String> unavailable() {
    return Optional.ofNullable(PostgresInstall.find().problem());
  }

  public String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  public String database() {
    return DATABASE;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return password;
  }

  /** A connection as {@link #user()}, the database's owner (not a superuser). */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), USER, password);
  }

  /** A connection as the superuser, e.g. to pg_terminate_backend() the service's sessions. */
  public Connection connectAsSuperuser() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), SUPERUSER, superPassword);
  }

  public Path dataDirectory() {
    return data;
  }

  /** The server's version directory name, e.g. "15". */
  public String version() {
    return install.version();
  }

  /** How long the last start took (the first includes initdb and creating the role). */
  public Duration lastStartTime() {
    return lastStart;
  }

  public boolean isRunning() {
    return running && postmaster().map(ProcessHandle::isAlive).orElse(false);
  }

  /** The server's log so far. */
  public String log() {
    return Commands.read(root.resolve("server.log")).orElse("");
  }

  /** Fast shutdown ({@code pg_ctl stop -m fast}): sessions are ended, data and port are kept. */
  public void stop() {
    Commands.Result r =
        run(
            install.command(
                "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"));
    if (!r.ok() && isRunning()) {
      throw new IllegalStateException("PostgreSQL did not stop: " + r.describe() + logTail());
    }
    running = false;
  }

  /** Starts the stopped (or killed) server again on the same port with the same data. */
  public void startAgain() {
    try {
      serverStart();
    } catch (StartFailure e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** An outage: {@link #stop()}, {@code down} of nothing listening, {@link #startAgain()}. */
  public void restart(Duration down) {
    stop();
    try {
      Thread.sleep(down.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    startAgain();
  }

  /**
   * A crash: SIGKILL to the postmaster, then waits until its other processes are gone (they end by
   * themselves when they see it die), so that {@link #startAgain()} can start (with crash
   * recovery).
   */
  public void kill9() {
    ProcessHandle postmaster =
        postmaster().orElseThrow(() -> new IllegalStateException("no postmaster.pid: not running"));
    List<ProcessHandle> children = postmaster.children().toList();
    postmaster.destroyForcibly();
    waitGone(Stream.concat(Stream.of(postmaster), children.stream()).toList());
    running = false;
  }

  /** Stops the server if it runs and deletes its directory. */
  @Override
  public void close() {
    if (!OPEN.remove(this)) {
      return;
    }
    try {
      if (postmaster().map(ProcessHandle::isAlive).orElse(false)) {
        Commands.Result r =
            run(install.command("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop"));
        if (!r.ok()) {
          kill9();
        }
      }
    } finally {
      running = false;
      deleteTree(root);
    }
  }

  @Override
  public String toString() {
    return "PostgreSQL " + version() + " at " + jdbcUrl() + " (" + data + ")";
  }

  // --- creating and starting -----------------------------------------------------------------

  /** Why the server could not be had, though its programs are here: a reason to skip. */
  private static final class StartFailure extends Exception {
    StartFailure(String message) {
      super(message);
    }
  }

  private static Postgres create(PostgresInstall install) {
    try {
      Path root =
          Files.createTempDirectory(
              Path.of("/tmp"), // not java.io.tmpdir: the server's user must reach it
              "hubpolicy-pg-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.setOwner(root, install.owner());
      Postgres pg = new Postgres(install, root);
      OPEN.add(pg);
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** initdb, settings, first start, then the test role and database. */
  private void initialize() throws StartFailure {
    long t0 = System.nanoTime();
    Path pwfile = root.resolve("superuser.pw");
    try {
      Files.writeString(pwfile, superPassword + "\n");
      Files.setOwner(pwfile, install.owner());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Commands.Result init =
        run(
            install.command(
                "initdb",
                "-D",
                data.toString(),
                "-U",
                SUPERUSER,
                "--pwfile=" + pwfile,
                "-E",
                "UTF8",
                "--no-locale",
                // Loopback TCP only, with passwords, as the service will connect.
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--no-sync",
                "--no-instructions"));
    try {
      Files.deleteIfExists(pwfile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!init.ok()) {
      throw new StartFailure("initdb failed: " + init.describe());
    }
    // A port can be taken between choosing it and the server binding it: then another port.
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      writeSettings();
      try {
        serverStart();
        break;
      } catch (StartFailure e) {
        if (attempt == 3 || !log().contains("could not bind")) {
          throw e;
        }
      }
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, superPassword);
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + password + "'");
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    } catch (SQLException e) {
      throw new IllegalStateException("creating the test role and database: " + e, e);
    }
    lastStart = Duration.ofNanos(System.nanoTime() - t0);
  }

  /** postgresql.auto.conf: read at every start, rewritten with the port of this attempt. */
  private void writeSettings() {
    String settings =
        String.join(
            "\n",
            "# io.hubpolicy.testing.Postgres: a private test server",
            "port = " + port,
            "listen_addresses = '" + HOST + "'",
            "unix_socket_directories = '" + root + "'",
            "max_connections = 50",
            "fsync = off",
            "full_page_writes = off",
            "log_connections = off",
            "");
    try {
      Path file = data.resolve("postgresql.auto.conf");
      Files.writeString(file, settings);
      Files.setOwner(file, install.owner());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void serverStart() throws StartFailure {
    long t0 = System.nanoTime();
    Commands.Result r =
        run(
            install.command(
                "pg_ctl",
                "-D",
                data.toString(),
                "-l",
                root.resolve("server.log").toString(),
                "-w",
                "-t",
                "60",
                "start"));
    if (!r.ok()) {
      throw new StartFailure(
          "PostgreSQL " + version() + " did not start: " + r.describe() + logTail());
    }
    running = true;
    lastStart = Duration.ofNanos(System.nanoTime() - t0);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private Commands.Result run(List<String> command) {
    return Commands.run(
        command,
        COMMAND_TIME,
        null,
        pb -> {
          // The server's user may not enter the caller's directory; and no PG* variable of the
          // caller's may point the programs elsewhere.
          pb.directory(root.toFile());
          pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
          pb.environment().put("LC_ALL", "C");
        });
  }

  private Optional<ProcessHandle> postmaster() {
    return Commands.read(data.resolve("postmaster.pid"))
        .flatMap(text -> text.lines().findFirst())
        .flatMap(
            line -> {
              try {
                return ProcessHandle.of(Long.parseLong(line.strip()));
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            });
  }

  private String logTail() {
    List<String> lines = log().lines().toList();
    return "\n--- server log (last lines)\n"
        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private static void waitGone(List<ProcessHandle> processes) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    // Gone means reaped, not only dead: the killed postmaster, no child of ours, stays a zombie
    // until init reaps it (here within ~2 s), and while its pid exists a new postmaster refuses
    // to start ("lock file postmaster.pid already exists"). ProcessHandle.isAlive() is true for
    // a zombie, which is what is wanted here.
    for (ProcessHandle p : processes) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        sleep(20);
      }
      if (p.isAlive()) { // one of this server's processes that did not notice: ours to end
        p.destroyForcibly();
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String secret() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
