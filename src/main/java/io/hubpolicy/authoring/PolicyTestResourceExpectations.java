package io.hubpolicy.authoring;

import static io.hubpolicy.authoring.PolicyTestExpectations.mapping;
import static io.hubpolicy.authoring.PolicyTestExpectations.scalarText;
import static io.hubpolicy.authoring.PolicyTestExpectations.setBy;
import static io.hubpolicy.authoring.PolicyTestMismatch.NOT_SET;
import static io.hubpolicy.authoring.PolicyTestMismatch.show;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.Quantities;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code expect.resources} ({@code {limits: {...}, requests: {...}}}) and its shorthands {@code
 * expect.limits} and {@code expect.requests}: each key's quantity, compared by value.
 */
final class PolicyTestResourceExpectations {
  private final StrictReader r;

  PolicyTestResourceExpectations(StrictReader r) {
    this.r = r;
  }

  private static final Set<String> SECTIONS = Set.of("limits", "requests");

  void resources(YNode n, String field, List<PolicyTestExpectation> out) {
    YMap m = mapping(r, n, field, "a mapping with limits and/or requests");
    if (m == null) {
      return;
    }
    r.unknownKeys(m, field, SECTIONS);
    if (m.size() == 0) {
      section("limits", m, field, m.line(), out);
      section("requests", m, field, m.line(), out);
      return;
    }
    m.entries()
        .forEach(
            (key, v) -> {
              if (SECTIONS.contains(key)) {
                section(key, v, StrictReader.path(field, key), m.keyLine(key), out);
              }
            });
  }

  /**
   * One of limits and requests: each key's quantity ({@code ~}: not set), compared by value ({@code
   * 1} equals {@code 1000m}); an empty mapping expects none at all.
   */
  void section(String which, YNode n, String field, int line, List<PolicyTestExpectation> out) {
    Map<String, Quantity> want = new LinkedHashMap<>();
    Map<String, Integer> lines = new LinkedHashMap<>();
    boolean none = StrictReader.isNull(n) || (n instanceof YMap e && e.size() == 0);
    if (!none) {
      YMap m = mapping(r, n, field, "a mapping of resource name to quantity");
      if (m == null) {
        return;
      }
      m.entries()
          .forEach(
              (key, v) -> {
                lines.put(key, m.keyLine(key));
                if (StrictReader.isNull(v)) {
                  want.put(key, null);
                  return;
                }
                String text = scalarText(r, v, StrictReader.path(field, key));
                if (text == null) {
                  return;
                }
                var q = Quantities.parse(text);
                if (q.isEmpty()) {
                  r.problem(
                      v.line(),
                      StrictReader.path(field, key),
                      "'" + text + "' is not a Kubernetes quantity");
                } else {
                  want.put(key, q.get());
                }
              });
    }
    String prefix = "resources." + which;
    out.add(
        (d, mm) -> {
          Map<String, Quantity> got = section(d, which);
          if (want.isEmpty() && lines.isEmpty()) {
            if (!got.isEmpty()) {
              mm.add(new PolicyTestMismatch(prefix, line, "{} (none)", show(got)));
            }
            return;
          }
          want.forEach(
              (key, q) -> {
                Quantity g = got.get(key);
                String f = prefix + "." + key;
                int at = lines.get(key);
                if (q == null) {
                  if (g != null) {
                    mm.add(new PolicyTestMismatch(f, at, NOT_SET, g + setBy(d, f)));
                  }
                } else if (g == null) {
                  mm.add(new PolicyTestMismatch(f, at, q.toString(), NOT_SET));
                } else if (!sameQuantity(q, g)) {
                  mm.add(new PolicyTestMismatch(f, at, q.toString(), g + setBy(d, f)));
                }
              });
        });
  }

  private static Map<String, Quantity> section(Decision d, String which) {
    if (d.resources() == null) {
      return Map.of();
    }
    Map<String, Quantity> m =
        which.equals("limits") ? d.resources().getLimits() : d.resources().getRequests();
    return m == null ? Map.of() : m;
  }

  private static boolean sameQuantity(Quantity want, Quantity got) {
    if (want.toString().equals(got.toString())) {
      return true;
    }
    var g = Quantities.tryAmount(got);
    return g.isPresent() && Quantities.amount(want).compareTo(g.get()) == 0;
  }
}
