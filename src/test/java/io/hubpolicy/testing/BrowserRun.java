package io.hubpolicy.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * How one {@link Browser} scenario went, read from the {@code result.json} that {@code run.mjs}
 * writes, and the way to turn it into a diagnosable assertion failure: the scenario's error and
 * stack, what the pages logged, the failure screenshots and Node's own output.
 */
public final class BrowserRun {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String name;
  private final Path directory;
  private final Commands.Result process;
  private final JsonNode result; // empty object when run.mjs wrote none

  private BrowserRun(String name, Path directory, Commands.Result process, JsonNode result) {
    this.name = name;
    this.directory = directory;
    this.process = process;
    this.result = result;
  }

  static BrowserRun read(String name, Path dir, Commands.Result process) {
    JsonNode result = JsonNodeFactory.instance.objectNode();
    Path file = dir.resolve("result.json");
    if (Files.isRegularFile(file)) {
      try {
        result = JSON.readTree(file.toFile());
      } catch (JacksonException e) {
        // A half-written file (the process was killed): reported through diagnostics().
      }
    }
    return new BrowserRun(name, dir, process, result);
  }

  /** True when the scenario finished without throwing. */
  public boolean ok() {
    return process.ok() && result.path("ok").asBoolean(false);
  }

  /** Node's exit code: 0 passed, 1 scenario failed, -1 killed for time. */
  public int exitCode() {
    return process.exitCode();
  }

  /** {@code target/browser-runs/NAME}: scenario.mjs, result.json, page.log, screenshots. */
  public Path directory() {
    return directory;
  }

  /** A file the scenario wrote with {@code artifact(name)}. */
  public Path file(String fileName) {
    return directory.resolve(fileName);
  }

  /** The scenario's {@code out} object. */
  public JsonNode out() {
    return result.path("out");
  }

  /** {@code out[key]} as a string; an assertion failure, with diagnostics, when it is absent. */
  public String text(String key) {
    JsonNode v = out().get(key);
    if (v == null || v.isNull()) {
      throw new AssertionError("scenario " + name + " set no out." + key + "\n" + diagnostics());
    }
    return v.isValueNode() ? v.asString() : v.toString();
  }

  /** The pages' console messages, page errors, failed requests, HTTP errors, navigations. */
  public List<String> log() {
    List<String> lines = new ArrayList<>();
    result.path("log").forEach(n -> lines.add(n.asString()));
    return lines;
  }

  /** The scenario's error with Node's stack, or null when it passed. */
  public String error() {
    JsonNode e = result.get("error");
    return e == null || e.isNull() ? null : e.path("stack").asString();
  }

  /** The first line of the error, or what is known when run.mjs wrote nothing. */
  public String errorMessage() {
    JsonNode e = result.get("error");
    if (e != null && !e.isNull()) {
      return e.path("message").asString();
    }
    return ok() ? null : process.describe();
  }

  /** Screenshots of the pages open when the scenario failed. */
  public List<Path> failureScreenshots() {
    List<Path> files = new ArrayList<>();
    result.path("failureScreenshots").forEach(n -> files.add(Path.of(n.asString())));
    return files;
  }

  /** From starting Node to Chromium ready (Node's own start is not counted). */
  public Duration launchTime() {
    return Duration.ofMillis(result.path("launchMs").asLong(-1));
  }

  public Duration scenarioTime() {
    return Duration.ofMillis(result.path("scenarioMs").asLong(-1));
  }

  public String stdout() {
    return process.stdout();
  }

  public String stderr() {
    return process.stderr();
  }

  /** Everything needed to understand a failure without running it again. */
  public String diagnostics() {
    StringBuilder b = new StringBuilder();
    b.append("browser scenario ")
        .append(name)
        .append(ok() ? " passed" : " FAILED")
        .append(" (node exit ")
        .append(process.timedOut() ? "none: killed for time" : process.exitCode())
        .append("; files in ")
        .append(directory)
        .append(")\n");
    String error = error();
    if (error != null) {
      b.append("--- error (scenario line N is line N+2 of scenario.mjs)\n")
          .append(error.strip())
          .append('\n');
    } else if (!ok()) {
      b.append("--- no result.json: ").append(process.describe()).append('\n');
    }
    List<String> log = log();
    if (!log.isEmpty()) {
      b.append("--- page log\n").append(String.join("\n", log)).append('\n');
    }
    if (!failureScreenshots().isEmpty()) {
      b.append("--- failure screenshots\n");
      failureScreenshots().forEach(p -> b.append(p).append('\n'));
    }
    if (!process.stderr().isBlank() && error == null) {
      b.append("--- node stderr\n").append(process.stderr().strip()).append('\n');
    }
    return b.toString();
  }

  /** This run, or an AssertionError carrying {@link #diagnostics()}. */
  public BrowserRun assertOk() {
    if (!ok()) {
      throw new AssertionError(diagnostics());
    }
    return this;
  }

  /** This run when the scenario failed (for tests of failure paths), else an AssertionError. */
  public BrowserRun assertFailed() {
    if (ok()) {
      throw new AssertionError("expected the scenario to fail\n" + diagnostics());
    }
    return this;
  }

  @Override
  public String toString() {
    return diagnostics();
  }
}
