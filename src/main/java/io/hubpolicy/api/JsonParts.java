package io.hubpolicy.api;

import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.RuleException;
import io.hubpolicy.model.Warning;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the answer ({@link AnswerJson}) and the audit line ({@link AuditLine}) write alike: into a
 * buffer kept per thread, and the parts the two share, in the same form.
 */
final class JsonParts {
  /** A buffer per thread (event loops, workers): a text is copied out of it once. */
  private static final ThreadLocal<Out> BUFFER = ThreadLocal.withInitial(Out::new);

  /** Beyond this a buffer a rare huge text grew is dropped, so a thread does not keep it. */
  private static final int KEEP = 1024 * 1024;

  private static final class Out extends ByteArrayOutputStream {
    Out() {
      super(16 * 1024);
    }

    void clear() {
      if (buf.length > KEEP) {
        buf = new byte[16 * 1024];
      }
      reset();
    }
  }

  private JsonParts() {}

  /** The bytes {@code body} writes through a generator of {@code mapper}. */
  static byte[] write(JsonMapper mapper, Consumer<JsonGenerator> body) {
    Out out = BUFFER.get();
    out.clear();
    try (JsonGenerator g = mapper.createGenerator(out)) {
      body.accept(g);
    }
    return out.toByteArray();
  }

  static void strings(JsonGenerator g, String name, Iterable<String> values) {
    g.writeArrayPropertyStart(name);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  /** What rules in warn mode would have done: {@code warnings: [{rule, reason}]}. */
  static void warnings(JsonGenerator g, List<Warning> warnings) {
    g.writeArrayPropertyStart("warnings");
    for (Warning w : warnings) {
      g.writeStartObject();
      g.writeStringProperty("rule", w.rule());
      g.writeStringProperty("reason", w.reason());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** The exceptions that kept a rule from acting: {@code exceptions: [{name, reason, until…}]}. */
  static void exceptions(JsonGenerator g, List<RuleException> exceptions) {
    g.writeArrayPropertyStart("exceptions");
    for (RuleException e : exceptions) {
      g.writeStartObject();
      g.writeStringProperty("name", e.name());
      g.writeStringProperty("reason", e.reason());
      g.writeStringProperty("until", e.until().toString());
      strings(g, "rules", e.rules());
      g.writeStringProperty("source", e.source().toString());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** Every rule that fired, in order: {@code firedRules: [{rule, salience, profile?}]}. */
  static void firedRules(JsonGenerator g, List<FiredRule> fired) {
    g.writeArrayPropertyStart("firedRules");
    for (FiredRule r : fired) {
      g.writeStartObject();
      g.writeStringProperty("rule", r.rule());
      g.writeNumberProperty("salience", r.salience());
      if (r.profile() != null) {
        g.writeStringProperty("profile", r.profile());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
