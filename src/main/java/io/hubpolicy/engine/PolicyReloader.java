package io.hubpolicy.engine;

import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds new configurations off the request path and swaps them into the engine, or rejects them
 * and keeps serving the last good one. Submissions coalesce: while one build runs, only the newest
 * of the changes that arrive meanwhile is built next, so a burst of edits costs two builds, not one
 * per edit.
 */
public final class PolicyReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);

  /** One object a configuration was read from, and its version (a resourceVersion, a file time). */
  public record SourceVersion(String source, String version) {}

  /** Everything a configuration is built from. */
  public record Input(
      List<ConfigSource> profiles,
      List<RuleSource> rules,
      List<SourceVersion> versions,
      List<String> notes) {
    public Input {
      profiles = List.copyOf(profiles);
      rules = List.copyOf(rules);
      versions = List.copyOf(versions);
      notes = List.copyOf(notes);
    }

    String revision() {
      return RuleBaseBuilder.revision(profiles, rules);
    }
  }

  /** A change that was not taken, and why. */
  public record Rejected(
      Instant at, String revision, List<SourceVersion> from, List<Problem> problems) {}

  /**
   * What serves now and what was last refused. {@code current} is null until a first configuration
   * has loaded.
   */
  public record Status(
      RuleBase current,
      List<SourceVersion> from,
      List<String> notes,
      Instant appliedAt,
      Rejected lastRejected,
      long applied,
      long rejected) {}

  private final DecisionEngine engine;
  private final RuleBaseBuilder builder;
  private final Clock clock;
  private final ExecutorService worker;
  private final AtomicReference<Input> pending = new AtomicReference<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicReference<Status> status;
  private final Counter appliedCounter;
  private final Counter rejectedCounter;
  private final Timer buildTimer;

  public PolicyReloader(
      DecisionEngine engine, RuleBaseBuilder builder, MeterRegistry meters, Clock clock) {
    this.engine = engine;
    this.builder = builder;
    this.clock = clock;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "config-reload");
              t.setDaemon(true);
              return t;
            });
    RuleBase initial = engine.ruleBaseOrNull();
    this.status =
        new AtomicReference<>(
            new Status(
                initial,
                List.of(),
                List.of(),
                initial == null ? null : clock.instant(),
                null,
                0,
                0));
    this.appliedCounter =
        Counter.builder("hubpolicy.config.reloads")
            .tag("result", "applied")
            .description("Configuration changes taken")
            .register(meters);
    this.rejectedCounter =
        Counter.builder("hubpolicy.config.reloads")
            .tag("result", "rejected")
            .description("Configuration changes rejected; the last good rule base kept serving")
            .register(meters);
    this.buildTimer =
        Timer.builder("hubpolicy.config.build")
            .description("Time to parse and compile a configuration")
            .register(meters);
  }

  public Status status() {
    return status.get();
  }

  /**
   * Serves {@code first}, built apart while the service started (file mode reads its configuration
   * on its own thread while the servers are set up): as if it had been in the engine when this
   * reloader was made.
   */
  public synchronized void started(RuleBase first) {
    Status before = status.get();
    if (before.current() != null) {
      throw new IllegalStateException("a configuration is already serving");
    }
    engine.swap(first);
    status.set(
        new Status(
            first,
            before.from(),
            before.notes(),
            clock.instant(),
            before.lastRejected(),
            before.applied(),
            before.rejected()));
  }

  /** Queues a configuration to build; returns at once. */
  public void submit(Input input) {
    pending.set(input);
    if (scheduled.compareAndSet(false, true)) {
      worker.execute(this::drain);
    }
  }

  /** Builds and applies (or rejects) a configuration on the caller's thread. */
  public boolean applyNow(Input input) {
    synchronized (this) {
      return build(input);
    }
  }

  /**
   * Records a configuration that could not even be read (a file deleted, unreadable, not UTF-8, too
   * large): a rejection like any other, counted and shown by {@code GET /v1/config}, while the last
   * good configuration keeps serving. The same problems again are not counted twice.
   */
  public synchronized void reject(List<Problem> problems, List<SourceVersion> from) {
    Status before = status.get();
    String revision = "unread:" + Integer.toHexString(problems.toString().hashCode());
    if (before.lastRejected() != null && before.lastRejected().revision().equals(revision)) {
      return;
    }
    rejected(before, new Rejected(clock.instant(), revision, from, problems));
  }

  private void drain() {
    try {
      Input next;
      while ((next = pending.getAndSet(null)) != null) {
        synchronized (this) {
          try {
            build(next);
          } catch (Throwable t) {
            // build() turns every failure into a rejection; this only keeps the thread alive if
            // even that fails (an OutOfMemoryError while logging, say).
            LOG.error("configuration reload failed; the last good configuration keeps serving", t);
          }
        }
      }
    } finally {
      scheduled.set(false);
      // A submit between the last getAndSet and the flag reset would otherwise wait for the next.
      if (pending.get() != null && scheduled.compareAndSet(false, true)) {
        worker.execute(this::drain);
      }
    }
  }

  private boolean build(Input input) {
    Status before = status.get();
    String revision = input.revision();
    if (before.current() != null && before.current().revision().equals(revision)) {
      // Same content (a resync, or a metadata-only edit): nothing to compile; keep versions fresh.
      status.set(
          new Status(
              before.current(),
              input.versions(),
              input.notes(),
              before.appliedAt(),
              before.lastRejected(),
              before.applied(),
              before.rejected()));
      return true;
    }
    if (before.lastRejected() != null && before.lastRejected().revision().equals(revision)) {
      return false; // already refused, with the same problems; don't log them again
    }
    long start = System.nanoTime();
    RuleBaseBuilder.Report report;
    try {
      report = builder.check(input.profiles(), input.rules(), revision);
    } catch (OutOfMemoryError e) {
      throw e; // the deployment exits on it (-XX:+ExitOnOutOfMemoryError); nothing to save here
    } catch (Throwable e) {
      // Whatever a configuration does to the builder (a defect, a stack overflow), it must not
      // stop reloads: it becomes a rejection like any other problem.
      LOG.error("building the configuration failed unexpectedly", e);
      report =
          new RuleBaseBuilder.Report(
              null,
              null,
              List.of(
                  new Problem(
                      input.profiles().isEmpty() ? "<build>" : input.profiles().get(0).name(),
                      0,
                      "",
                      e instanceof StackOverflowError
                          ? "the configuration is nested too deeply to build"
                          : "building the configuration failed unexpectedly (see the log)")),
              List.of());
    }
    buildTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    if (!report.problems().isEmpty()) {
      rejected(
          before, new Rejected(clock.instant(), revision, input.versions(), report.problems()));
      return false;
    }
    RuleBase next = report.ruleBase();
    engine.swap(next);
    status.set(
        new Status(
            next,
            input.versions(),
            input.notes(),
            clock.instant(),
            before.lastRejected(),
            before.applied() + 1,
            before.rejected()));
    appliedCounter.increment();
    LOG.info(
        "configuration revision {} now serving: {} profiles, {} sizes from {}{}",
        next.revision(),
        next.config().profiles().size(),
        next.sizes().size(),
        input.versions().isEmpty() ? "no sources" : input.versions(),
        before.current() == null ? "" : " (was " + before.current().revision() + ")");
    input.notes().forEach(n -> LOG.info("configuration note: {}", n));
    return true;
  }

  private void rejected(Status before, Rejected r) {
    status.set(
        new Status(
            before.current(),
            before.from(),
            before.notes(),
            before.appliedAt(),
            r,
            before.applied(),
            before.rejected() + 1));
    rejectedCounter.increment();
    StringBuilder sb = new StringBuilder();
    r.problems().forEach(p -> sb.append("\n  ").append(p));
    LOG.error(
        "configuration change rejected ({} problem(s)); {}:{}",
        r.problems().size(),
        before.current() == null
            ? "no configuration is loaded yet"
            : "still serving revision " + before.current().revision(),
        sb);
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
