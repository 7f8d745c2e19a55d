package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.app.Wiring;
import io.hubpolicy.model.SpawnRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve --rules-cache DIR}: the first start compiles the rules and keeps them in DIR, the
 * next reads them from there (and says so in one line), and both decide alike.
 */
class ServeRulesCacheTest {
  static final Pattern COMPILED =
      Pattern.compile("INFO .*rules compiled in \\d+ ms .*; kept in (\\S+rules-\\w+\\.bin)");
  static final Pattern READ =
      Pattern.compile("INFO .*rules read from cache (\\S+rules-\\w+\\.bin) in \\d+ ms");

  @TempDir Path tmp;

  ServeCommand parse(String... extra) {
    ServeCommand serve = new ServeCommand();
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port",
                "0",
                "--grpc-port",
                "-1",
                "--audit-log",
                "none",
                "--no-watch",
                "--token-file",
                tmp.resolve("token").toString()));
    args.addAll(List.of(extra));
    new CommandLine(serve).parseArgs(args.toArray(String[]::new));
    return serve;
  }

  record Started(String log, String decision) {}

  /** Starts serve (the project's ./profiles and ./rules), decides once, stops; and its log. */
  Started startAndStop(ServeCommand serve) throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    String decision;
    try {
      Wiring.Running running = serve.start();
      try {
        var d =
            running
                .engine()
                .decide(
                    new SpawnRequest(
                        "ana", List.of("data-team"), "s2i-minimal-notebook:3.6", "Default"));
        decision = d.allowed() + " " + d.profiles() + " " + d.env() + " " + d.firedRules();
      } finally {
        running.stop().run();
      }
    } finally {
      System.setErr(saved);
    }
    return new Started(err.toString(StandardCharsets.UTF_8), decision);
  }

  @Test
  void theFirstStartKeepsTheCompiledRulesAndTheNextReadsThem() throws Exception {
    Path dir = tmp.resolve("rules-cache");
    ServeCommand first = parse("--rules-cache", dir.toString());
    assertEquals(dir, first.settings().rulesCache());
    assertTrue(first.settings().describe().contains("rules cache " + dir));

    Started compiled = startAndStop(first);
    Matcher kept = COMPILED.matcher(compiled.log());
    assertTrue(kept.find(), compiled.log());
    Path entry = Path.of(kept.group(1));
    assertTrue(entry.startsWith(dir.toAbsolutePath()), entry.toString());
    assertTrue(Files.isRegularFile(entry), entry.toString());

    Started cached = startAndStop(parse("--rules-cache", dir.toString()));
    Matcher read = READ.matcher(cached.log());
    assertTrue(read.find(), cached.log());
    assertEquals(entry.toString(), read.group(1));
    assertTrue(!COMPILED.matcher(cached.log()).find(), "not compiled again: " + cached.log());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(entry), files.toList(), "one entry, no temporary file left");
    }
    assertEquals(compiled.decision(), cached.decision());
  }

  @Test
  void withoutItTheRulesAreCompiledAtEveryStartAndSaidSo() throws Exception {
    ServeCommand serve = parse();
    assertNull(serve.settings().rulesCache());
    assertTrue(serve.settings().describe().contains("no rules cache"));
    Started started = startAndStop(serve);
    assertTrue(
        started.log().matches("(?s).*INFO .*rules compiled in \\d+ ms .*; no rules cache\\R.*"),
        started.log());
  }
}
