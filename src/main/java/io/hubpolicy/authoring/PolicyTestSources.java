package io.hubpolicy.authoring;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Actor;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code expect.sources}: who set each field of the decision, checked against the explanation
 * ({@link Decision#fields()}). A field ({@code resources.limits.memory}, {@code env.MEM_LIMIT},
 * {@code tolerations[0]}...) maps to {@code ~} (nobody set it) or to some keys of who set it last;
 * the keys not given are not checked.
 *
 * <p>The keys are {@link #KEYS}, each read from the {@link Actor} that set the field. When the
 * actor learns more (the size, the service, the DRL file and line), each is one more entry there.
 */
final class PolicyTestSources {
  /** How a key's expected value is written. */
  enum Kind {
    TEXT("a string"),
    TEXT_OR_NONE("a string, or ~ for none"),
    NUMBER("a whole number");

    final String shape;

    Kind(String shape) {
      this.shape = shape;
    }
  }

  /** One key: how its expected value is written, and its value on an actor. */
  record Key(Kind kind, Function<Actor, Object> of) {}

  /** The keys a {@code sources} entry may give, in the order messages show them. */
  static final Map<String, Key> KEYS = new LinkedHashMap<>();

  static {
    KEYS.put("kind", new Key(Kind.TEXT, a -> a.kind().word()));
    KEYS.put("name", new Key(Kind.TEXT, Actor::name));
    KEYS.put("source", new Key(Kind.TEXT_OR_NONE, Actor::source));
    KEYS.put("rule", new Key(Kind.TEXT, Actor::rule));
    KEYS.put("profile", new Key(Kind.TEXT_OR_NONE, Actor::profile));
    KEYS.put("salience", new Key(Kind.NUMBER, Actor::salience));
  }

  private PolicyTestSources() {}

  /** The check of a {@code sources:} mapping, or empty after reporting what is wrong with it. */
  static Optional<PolicyTestExpectation> read(YNode n, String field, StrictReader r) {
    if (!(n instanceof YMap m)) {
      r.problem(
          n.line(), field, "must be a mapping of decision field to who set it, found " + n.kind());
      return Optional.empty();
    }
    int mark = r.mark();
    List<PolicyTestExpectation> checks = new ArrayList<>();
    m.entries()
        .forEach(
            (decisionField, v) -> {
              String f = StrictReader.path(field, decisionField);
              int line = m.keyLine(decisionField);
              if (StrictReader.isNull(v)) {
                checks.add((d, mm) -> unset(d, decisionField, line, mm));
                return;
              }
              if (!(v instanceof YMap who)) {
                r.problem(
                    v.line(),
                    f,
                    "must be ~ (not set) or a mapping of "
                        + String.join(", ", KEYS.keySet())
                        + ", found "
                        + v.kind());
                return;
              }
              r.unknownKeys(who, f, KEYS.keySet());
              Map<String, Object> want = new LinkedHashMap<>();
              who.entries()
                  .forEach(
                      (key, x) -> {
                        Key k = KEYS.get(key);
                        if (k != null) {
                          expected(k.kind(), x, StrictReader.path(f, key), r)
                              .ifPresent(value -> want.put(key, value.orElse(null)));
                        }
                      });
              checks.add((d, mm) -> setBy(d, decisionField, want, line, mm));
            });
    if (!r.cleanSince(mark)) {
      return Optional.empty();
    }
    return Optional.of((d, mm) -> checks.forEach(c -> c.check(d, mm)));
  }

  /** The expected value (inner empty: expected none), or empty after a problem. */
  private static Optional<Optional<Object>> expected(
      Kind kind, YNode x, String field, StrictReader r) {
    if (StrictReader.isNull(x)) {
      if (kind == Kind.TEXT_OR_NONE) {
        return Optional.of(Optional.empty());
      }
    } else if (x instanceof YScalar s) {
      if (kind == Kind.NUMBER && s.value() instanceof Integer i) {
        return Optional.of(Optional.of(i));
      }
      if (kind != Kind.NUMBER) {
        return Optional.of(Optional.of(s.asText()));
      }
    }
    r.problem(x.line(), field, "must be " + kind.shape + ", found " + x.kind());
    return Optional.empty();
  }

  private static void unset(Decision d, String field, int line, List<PolicyTestMismatch> mm) {
    FieldTrace t = d.fields().get(field);
    if (t != null) {
      mm.add(
          new PolicyTestMismatch(
              "sources." + field,
              line,
              "~ (not set by any rule)",
              describe(t.setBy(), KEYS.keySet())));
    }
  }

  private static void setBy(
      Decision d, String field, Map<String, Object> want, int line, List<PolicyTestMismatch> mm) {
    FieldTrace t = d.fields().get(field);
    String expected = render(want);
    if (t == null) {
      mm.add(new PolicyTestMismatch("sources." + field, line, expected, notSet(d, field)));
      return;
    }
    for (Map.Entry<String, Object> e : want.entrySet()) {
      Object got = t.setBy() == null ? null : KEYS.get(e.getKey()).of().apply(t.setBy());
      if (!Objects.equals(e.getValue(), got)) {
        mm.add(
            new PolicyTestMismatch(
                "sources." + field, line, expected, describe(t.setBy(), KEYS.keySet())));
        return;
      }
    }
  }

  /** Who set a field, by every key: {@code {rule: ..., profile: ..., salience: ...}}. */
  private static String describe(Actor a, Iterable<String> keys) {
    if (a == null) {
      return "(nobody)";
    }
    Map<String, Object> all = new LinkedHashMap<>();
    keys.forEach(k -> all.put(k, KEYS.get(k).of().apply(a)));
    return render(all);
  }

  private static String render(Map<String, Object> values) {
    return values.entrySet().stream()
        .map(e -> e.getKey() + ": " + (e.getValue() == null ? "~" : e.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
  }

  /** Not set, and the fields of the same kind that are, to catch a misspelt name. */
  private static String notSet(Decision d, String field) {
    String head = field.split("[.\\[]", 2)[0];
    List<String> near =
        d.fields().keySet().stream().filter(k -> k.split("[.\\[]", 2)[0].equals(head)).toList();
    if (near.isEmpty()) {
      return PolicyTestMismatch.NOT_SET;
    }
    int shown = Math.min(near.size(), 12);
    return PolicyTestMismatch.NOT_SET
        + "; set under "
        + head
        + ": "
        + String.join(", ", near.subList(0, shown))
        + (near.size() > shown ? ", ..." : "");
  }
}
