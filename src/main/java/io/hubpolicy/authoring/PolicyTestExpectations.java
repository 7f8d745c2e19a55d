package io.hubpolicy.authoring;

import static io.hubpolicy.authoring.PolicyTestMismatch.NOT_SET;
import static io.hubpolicy.authoring.PolicyTestMismatch.numbered;
import static io.hubpolicy.authoring.PolicyTestMismatch.show;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.ProfileVolume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a case's expectations ({@code fired}, {@code firedInOrder}, {@code notFired} and the fields
 * of {@code expect:}) into checks of a decision. Each kind keeps its reading beside its check, and
 * a check reports only the field that differs, with the rule or profile that set what was found.
 */
final class PolicyTestExpectations {
  /** The keys of {@code expect:} ({@code error} is the case's: it expects no decision at all). */
  static final Set<String> EXPECT_KEYS =
      Set.of(
          "allowed",
          "reasons",
          "profiles",
          "env",
          "secretRefs",
          "resources",
          "limits",
          "requests",
          "tolerations",
          "affinity",
          "volumes",
          "gpu",
          "services",
          "sources",
          "error");

  private final StrictReader r;

  PolicyTestExpectations(StrictReader r) {
    this.r = r;
  }

  // ---------------------------------------------------------------- fired rules

  /** {@code fired} (exactly these, in order), {@code firedInOrder} and {@code notFired}. */
  void fired(YMap c, String field, List<PolicyTestExpectation> out) {
    if (c.get("fired") != null) {
      int line = c.keyLine("fired");
      List<String> want = r.stringList(c, "fired", field);
      out.add(
          (d, mm) -> {
            List<String> got = firedNames(d);
            if (!got.equals(want)) {
              mm.add(
                  new PolicyTestMismatch(
                      "fired", line, numbered(want), numbered(got) + firstDifference(want, got)));
            }
          });
    }
    if (c.get("firedInOrder") != null) {
      int line = c.keyLine("firedInOrder");
      List<String> want = r.stringList(c, "firedInOrder", field);
      out.add((d, mm) -> inOrder(want, firedNames(d), line, mm));
    }
    if (c.get("notFired") != null) {
      int line = c.keyLine("notFired");
      List<String> never = r.stringList(c, "notFired", field);
      out.add(
          (d, mm) -> {
            List<String> got = firedNames(d);
            List<String> fired = never.stream().filter(got::contains).toList();
            if (!fired.isEmpty()) {
              mm.add(
                  new PolicyTestMismatch(
                      "notFired",
                      line,
                      "none of " + quoted(never) + " to fire",
                      quoted(fired) + " fired; all that fired:\n" + numbered(got)));
            }
          });
    }
  }

  static List<String> firedNames(Decision d) {
    return d.firedRules().stream().map(FiredRule::rule).toList();
  }

  private static String firstDifference(List<String> want, List<String> got) {
    for (int i = 0; i < Math.max(want.size(), got.size()); i++) {
      String w = i < want.size() ? want.get(i) : null;
      String g = i < got.size() ? got.get(i) : null;
      if (!Objects.equals(w, g)) {
        return "\n(first difference at "
            + (i + 1)
            + ": expected "
            + (w == null ? "nothing more" : "'" + w + "'")
            + ", got "
            + (g == null ? "nothing more" : "'" + g + "'")
            + ")";
      }
    }
    return "";
  }

  private static String quoted(List<String> names) {
    return names.stream().map(n -> "'" + n + "'").toList().toString();
  }

  /** {@code want} is a subsequence of {@code got}: each rule fired, after the one before it. */
  private static void inOrder(
      List<String> want, List<String> got, int line, List<PolicyTestMismatch> out) {
    int at = 0;
    String previous = null;
    for (String w : want) {
      int found = got.subList(at, got.size()).indexOf(w);
      if (found < 0) {
        String why =
            previous == null || !got.contains(w)
                ? "'" + w + "' did not fire"
                : "'" + w + "' did not fire after '" + previous + "'";
        out.add(
            new PolicyTestMismatch(
                "firedInOrder", line, numbered(want), why + "; fired:\n" + numbered(got)));
        return;
      }
      at += found + 1;
      previous = w;
    }
  }

  // ---------------------------------------------------------------- expect:

  /** The fields of {@code expect:} except {@code error}. */
  void expect(YMap m, String field, List<PolicyTestExpectation> out) {
    r.unknownKeys(m, field, EXPECT_KEYS);
    m.entries()
        .forEach(
            (key, n) -> {
              String f = StrictReader.path(field, key);
              int line = m.keyLine(key);
              switch (key) {
                case "allowed" -> allowed(n, f, line, out);
                case "reasons" -> out.add(list("reasons", m, field, line, Decision::reasons));
                case "profiles" -> out.add(list("profiles", m, field, line, Decision::profiles));
                case "gpu" -> gpu(n, f, line, out);
                case "env" -> new PolicyTestEnvExpectations(r).env(n, f, out);
                case "secretRefs" -> new PolicyTestEnvExpectations(r).secretRefs(n, f, line, out);
                case "resources" -> new PolicyTestResourceExpectations(r).resources(n, f, out);
                case "limits", "requests" ->
                    new PolicyTestResourceExpectations(r).section(key, n, f, line, out);
                case "tolerations" -> tolerations(n, f, line, out);
                case "affinity" -> affinity(n, f, line, out);
                case "volumes" ->
                    out.add(
                        names(
                            "volumes",
                            m,
                            field,
                            line,
                            d -> d.volumes().stream().map(ProfileVolume::name).toList()));
                case "services" ->
                    out.add(
                        names("services", m, field, line, d -> List.copyOf(d.services().keySet())));
                case "sources" -> PolicyTestSources.read(n, f, r).ifPresent(out::add);
                default -> {
                  // error is the case's; unknown keys are reported above
                }
              }
            });
  }

  private void allowed(YNode n, String f, int line, List<PolicyTestExpectation> out) {
    if (!(n instanceof YScalar s && s.value() instanceof Boolean want)) {
      r.problem(n.line(), f, "must be true or false, found " + n.kind());
      return;
    }
    out.add(
        (d, mm) -> {
          if (d.allowed() != want) {
            String got =
                d.allowed()
                    ? "true"
                    : "false" + setBy(d, "allowed") + ", reasons: " + show(d.reasons());
            mm.add(new PolicyTestMismatch("allowed", line, String.valueOf(want), got));
          }
        });
  }

  private void gpu(YNode n, String f, int line, List<PolicyTestExpectation> out) {
    Integer want = PolicyTestCase.count(r, n, f);
    if (want == null) {
      return;
    }
    out.add(
        (d, mm) -> {
          if (d.gpu() != want) {
            mm.add(new PolicyTestMismatch("gpu", line, want.toString(), d.gpu() + setBy(d, "gpu")));
          }
        });
  }

  /** An exact list of strings, in order. */
  private PolicyTestExpectation list(
      String key, YMap m, String field, int line, Function<Decision, List<String>> of) {
    List<String> want = r.stringList(m, key, field);
    return (d, mm) -> {
      List<String> got = of.apply(d);
      if (!got.equals(want)) {
        mm.add(new PolicyTestMismatch(key, line, show(want), show(got)));
      }
    };
  }

  /** Names in any order (volumes, services). */
  private PolicyTestExpectation names(
      String key, YMap m, String field, int line, Function<Decision, List<String>> of) {
    List<String> want = r.stringList(m, key, field);
    return (d, mm) -> {
      List<String> got = of.apply(d);
      if (!got.stream().sorted().toList().equals(want.stream().sorted().toList())) {
        mm.add(new PolicyTestMismatch(key, line, show(want), show(got)));
      }
    };
  }

  // ---------------------------------------------------------------- tolerations, affinity

  /** The tolerations in order: each a key, or a whole Toleration object. */
  private void tolerations(YNode n, String field, int line, List<PolicyTestExpectation> out) {
    if (!(n instanceof YList list)) {
      r.problem(n.line(), field, "must be a list of keys or tolerations, found " + n.kind());
      return;
    }
    List<Object> want = new ArrayList<>();
    boolean objects = false;
    for (int i = 0; i < list.items().size(); i++) {
      YNode item = list.items().get(i);
      String f = field + "[" + i + "]";
      if (item instanceof YScalar s && !s.isNull()) {
        want.add(s.asText());
      } else if (item instanceof YMap) {
        Toleration t = r.typed(item, f, Toleration.class);
        want.add(t == null ? null : plain(t));
        objects = true;
      } else {
        r.problem(item.line(), f, "must be a key or a toleration, found " + item.kind());
      }
    }
    boolean asObjects = objects;
    out.add(
        (d, mm) -> {
          List<Toleration> got = d.tolerations();
          boolean ok = got.size() == want.size();
          for (int i = 0; ok && i < want.size(); i++) {
            Object w = want.get(i);
            ok =
                w instanceof String key
                    ? key.equals(got.get(i).getKey())
                    : plain(got.get(i)).equals(w);
          }
          if (!ok) {
            List<Object> shown =
                got.stream().map(t -> asObjects ? (Object) t : (Object) t.getKey()).toList();
            mm.add(new PolicyTestMismatch("tolerations", line, show(want), show(shown)));
          }
        });
  }

  /** The whole affinity ({@code ~} or {@code {}}: none). */
  private void affinity(YNode n, String field, int line, List<PolicyTestExpectation> out) {
    Map<String, Object> want;
    if (StrictReader.isNull(n)) {
      want = Map.of();
    } else {
      Affinity a = r.typed(n, field, Affinity.class);
      if (a == null) {
        return;
      }
      want = plain(a);
    }
    out.add(
        (d, mm) -> {
          Map<String, Object> got = plain(d.affinity());
          if (!got.equals(want)) {
            mm.add(
                new PolicyTestMismatch(
                    "affinity",
                    line,
                    want.isEmpty() ? NOT_SET : show(want),
                    got.isEmpty() ? NOT_SET : show(got)));
          }
        });
  }

  // ---------------------------------------------------------------- helpers

  /** A Kubernetes object as plain maps, for comparing by content; null is empty. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> plain(Object o) {
    if (o == null) {
      return Map.of();
    }
    Map<String, Object> m = KubeJson.SERIALIZATION.convertValue(o, Map.class);
    return m == null ? Map.of() : m;
  }

  /** {@code , set by ...} naming who set {@code field}, when the explanation knows. */
  static String setBy(Decision d, String field) {
    FieldTrace t = d.fields().get(field);
    return t == null || t.setBy() == null ? "" : ", set by " + t.setBy();
  }

  static YMap mapping(StrictReader r, YNode n, String field, String shape) {
    if (n instanceof YMap m) {
      return m;
    }
    r.problem(n.line(), field, "must be " + shape + ", found " + n.kind());
    return null;
  }

  static String scalarText(StrictReader r, YNode n, String field) {
    if (n instanceof YScalar s && !s.isNull()) {
      return s.asText();
    }
    r.problem(n.line(), field, "must be a value, found " + n.kind());
    return null;
  }
}
