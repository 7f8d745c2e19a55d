package io.hubpolicy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PostgreSQL harness: a real server, real JDBC, outages the way tests will make them. */
class PostgresHarnessTest {

  @Test
  void startsAndServesJdbcAsItsOwnNonSuperuserRole() throws SQLException {
    try (Postgres pg = Postgres.start();
        Connection c = pg.connect();
        Statement s = c.createStatement()) {
      System.out.printf(
          "postgres: %s, first start (initdb + start + role) %d ms%n",
          pg, pg.lastStartTime().toMillis());
      assertTrue(pg.jdbcUrl().startsWith("jdbc:postgresql://127.0.0.1:" + pg.port() + "/"));
      s.execute("CREATE TABLE spawn (id serial PRIMARY KEY, profile text NOT NULL)");
      s.execute("INSERT INTO spawn (profile) VALUES ('small'), ('gpu')");
      assertEquals(List.of("small", "gpu"), profiles(s));
      try (ResultSet r =
          s.executeQuery(
              "SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")) {
        assertTrue(r.next());
        assertEquals(Postgres.USER, r.getString(1));
        assertFalse(r.getBoolean(2), "the test role should not be a superuser");
      }
    }
  }

  @Test
  void dataOutlivesAnOutageOnTheSamePort() throws SQLException {
    try (Postgres pg = Postgres.start()) {
      int port = pg.port();
      try (Connection c = pg.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE spawn (profile text)");
        s.execute("INSERT INTO spawn VALUES ('before the outage')");
      }

      pg.stop();
      assertFalse(pg.isRunning());
      SQLException refused = assertThrows(SQLException.class, pg::connect);
      assertEquals("08001", refused.getSQLState(), refused.toString()); // could not connect
      pg.startAgain();
      System.out.printf("postgres: start again %d ms%n", pg.lastStartTime().toMillis());

      assertEquals(port, pg.port());
      try (Connection c = pg.connect();
          Statement s = c.createStatement()) {
        assertEquals(List.of("before the outage"), profiles(s));
        s.execute("INSERT INTO spawn VALUES ('between outages')");
      }

      long t0 = System.nanoTime();
      pg.restart(Duration.ofSeconds(1));
      assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(1)) >= 0);
      try (Connection c = pg.connect();
          Statement s = c.createStatement()) {
        assertEquals(List.of("before the outage", "between outages"), profiles(s));
      }
    }
  }

  @Test
  void committedDataOutlivesKill9() throws SQLException {
    try (Postgres pg = Postgres.start()) {
      Connection open = pg.connect(); // a session the crash cuts
      try (Statement s = open.createStatement()) {
        s.execute("CREATE TABLE spawn (profile text)");
        s.execute("INSERT INTO spawn VALUES ('committed')");
      }

      long t0 = System.nanoTime();
      pg.kill9();
      System.out.printf("postgres: kill9 %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertFalse(pg.isRunning());
      assertThrows(SQLException.class, () -> open.createStatement().execute("SELECT 1"));
      open.close();

      pg.startAgain();
      assertTrue(pg.log().contains("database system was interrupted"), pg::log);
      try (Connection c = pg.connect();
          Statement s = c.createStatement()) {
        assertEquals(List.of("committed"), profiles(s));
      }
    }
  }

  @Test
  void twoServersAtOnceHaveTheirOwnPortsAndDataAndAreRemovedOnClose() throws SQLException {
    Path first;
    Path second;
    try (Postgres a = Postgres.start();
        Postgres b = Postgres.start()) {
      assertNotEquals(a.port(), b.port());
      assertNotEquals(a.dataDirectory(), b.dataDirectory());
      try (Connection c = a.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE spawn (profile text)");
      }
      try (Connection c = b.connect();
          Statement s = c.createStatement()) {
        assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM spawn"));
      }
      first = a.dataDirectory();
      second = b.dataDirectory();
      assertTrue(Files.isDirectory(first));
    }
    assertFalse(Files.exists(first), first + " left behind");
    assertFalse(Files.exists(second), second + " left behind");
  }

  @Test
  void missingServerProgramsAreAPreciseReason() {
    String reason = PostgresInstall.find(null, Path.of("/nonexistent/postgresql")).problem();
    assertTrue(
        reason.startsWith("needs Debian's PostgreSQL server: apt-get install postgresql"), reason);
    String noPgCtl = PostgresInstall.find(Path.of("/usr/bin"), null).problem();
    assertTrue(noPgCtl.contains("/usr/bin/"), noPgCtl);
  }

  private static List<String> profiles(Statement s) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet r = s.executeQuery("SELECT profile FROM spawn ORDER BY ctid")) {
      while (r.next()) {
        names.add(r.getString(1));
      }
    }
    return names;
  }
}
