package io.hubpolicy.audit;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionPage;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.model.Decision;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sinks the settings ask for, as one {@link AuditLog}: each decision goes to every sink;
 * lookups and searches go to the one that can answer for every replica (the store), else the file.
 */
public final class AuditSinks implements AuditLog {
  private final List<AuditLog> sinks;
  private final AuditLog reader;

  private AuditSinks(List<AuditLog> sinks, AuditLog reader) {
    this.sinks = List.copyOf(sinks);
    this.reader = reader;
  }

  /**
   * Opens what {@code s} names. The store's schema is created or migrated by its writer thread, so
   * a database that is away at start delays nothing: records wait in the buffer.
   *
   * @throws IOException if the file or the buffer cannot be opened
   */
  public static AuditLog open(AuditSettings s, MeterRegistry meters) throws IOException {
    List<AuditLog> sinks = new ArrayList<>();
    AuditLog reader = null;
    try {
      switch (s.file()) {
        case AuditSettings.NONE -> {}
        case AuditSettings.STDOUT -> sinks.add(new StdoutAuditLog(System.out));
        default -> {
          reader = AuditLog.toFile(Path.of(s.file()), meters, s.rotation());
          sinks.add(reader);
        }
      }
      if (s.db() != null) {
        reader =
            new PgAuditLog(
                new PgStore(s.db()), s.buffer(), s.bufferMaxBytes(), s.retention(), meters);
        sinks.add(reader);
      }
    } catch (IOException | RuntimeException e) {
      sinks.forEach(AuditLog::close);
      throw e;
    }
    if (sinks.isEmpty()) {
      return AuditLog.NONE;
    }
    return sinks.size() == 1 && sinks.get(0) == reader
        ? reader
        : new AuditSinks(sinks, reader == null ? AuditLog.NONE : reader);
  }

  @Override
  public void record(Decision d) {
    for (AuditLog s : sinks) {
      s.record(d);
    }
  }

  @Override
  public Optional<String> find(String decisionId) {
    return reader.find(decisionId);
  }

  @Override
  public DecisionPage query(DecisionQuery q) {
    return reader.query(q);
  }

  @Override
  public void close() {
    for (int i = sinks.size() - 1; i >= 0; i--) {
      sinks.get(i).close();
    }
  }
}
