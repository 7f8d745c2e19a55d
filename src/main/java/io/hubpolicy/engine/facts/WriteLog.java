package io.hubpolicy.engine.facts;

import io.hubpolicy.model.Actor;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who wrote what into an {@link Outcome}, in order. The per-field explanation is built from it only
 * when someone asks (most callers never do), so the merge itself does no bookkeeping beyond one
 * list append per write.
 */
final class WriteLog {
  private static final Actor NOBODY = new Actor("<none>", 0, null);

  private Actor actor = NOBODY;
  private final List<Write> writes = new ArrayList<>(256);
  private final List<FiredRule> firedRules = new ArrayList<>(32);

  private record Write(String prefix, String name, Object value, Actor actor) {
    String field() {
      return name == null ? prefix : prefix + name;
    }
  }

  private static final class Trace {
    Object value;
    Actor setBy;
    final List<FieldTrace.Overridden> overrode = new ArrayList<>(1);

    Trace(Object value, Actor setBy) {
      this.value = value;
      this.setBy = setBy;
    }
  }

  void actingAs(Actor a) {
    this.actor = a;
  }

  Actor actor() {
    return actor;
  }

  void recordFired() {
    firedRules.add(new FiredRule(actor.rule(), actor.salience(), actor.profile()));
  }

  List<FiredRule> firedRules() {
    return firedRules;
  }

  /** Records that the acting rule set {@code prefix + name} (or {@code prefix} alone) to value. */
  void write(String prefix, String name, Object value) {
    writes.add(new Write(prefix, name, value, actor));
  }

  /** Who set each field and what it overrode, replayed from the log. */
  Map<String, FieldTrace> fieldTraces() {
    Map<String, Trace> traces = new LinkedHashMap<>();
    for (Write w : writes) {
      String field = w.field();
      Trace t = traces.get(field);
      if (t == null) {
        traces.put(field, new Trace(w.value(), w.actor()));
      } else {
        t.overrode.add(new FieldTrace.Overridden(t.value, t.setBy));
        t.value = w.value();
        t.setBy = w.actor();
      }
    }
    Map<String, FieldTrace> out = new LinkedHashMap<>();
    traces.forEach((k, t) -> out.put(k, new FieldTrace(k, t.value, t.setBy, t.overrode)));
    return out;
  }
}
