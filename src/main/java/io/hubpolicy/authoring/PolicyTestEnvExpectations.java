package io.hubpolicy.authoring;

import static io.hubpolicy.authoring.PolicyTestExpectations.mapping;
import static io.hubpolicy.authoring.PolicyTestExpectations.plain;
import static io.hubpolicy.authoring.PolicyTestExpectations.scalarText;
import static io.hubpolicy.authoring.PolicyTestExpectations.setBy;
import static io.hubpolicy.authoring.PolicyTestMismatch.NOT_SET;
import static io.hubpolicy.authoring.PolicyTestMismatch.show;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Decision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code expect.env} (each variable: a value, {@code ~} for not set, {@code {valueFrom: ...}} or
 * {@code {secret: SECRET/KEY}}) and {@code expect.secretRefs} (the exact set of variables taken
 * from a Secret).
 */
final class PolicyTestEnvExpectations {
  private final StrictReader r;

  PolicyTestEnvExpectations(StrictReader r) {
    this.r = r;
  }

  /** What one variable should be: absent, a value, a valueFrom, or a secret's key. */
  private record EnvWant(String value, EnvVarSource valueFrom, String secret, boolean absent) {
    String describe() {
      if (absent) {
        return NOT_SET;
      }
      if (valueFrom != null) {
        return "valueFrom " + show(valueFrom);
      }
      return secret != null ? "secret " + secret : value;
    }
  }

  private static final Set<String> ENV_FORMS = Set.of("value", "valueFrom", "secret");

  void env(YNode n, String field, List<PolicyTestExpectation> out) {
    YMap m = mapping(r, n, field, "a mapping of variable name to value");
    if (m == null) {
      return;
    }
    m.entries()
        .forEach(
            (name, v) -> {
              String f = StrictReader.path(field, name);
              EnvWant want = envWant(v, f);
              if (want != null) {
                int line = m.keyLine(name);
                out.add((d, mm) -> envCheck(d, name, want, line, mm));
              }
            });
  }

  private EnvWant envWant(YNode v, String f) {
    if (v instanceof YScalar s) {
      return s.isNull()
          ? new EnvWant(null, null, null, true)
          : new EnvWant(s.asText(), null, null, false);
    }
    YMap form = mapping(r, v, f, "a value, ~ (not set), or {value|valueFrom|secret: ...}");
    if (form == null) {
      return null;
    }
    r.unknownKeys(form, f, ENV_FORMS);
    if (form.size() != 1) {
      r.problem(form.line(), f, "needs exactly one of value, valueFrom, secret");
      return null;
    }
    String key = form.entries().keySet().iterator().next();
    YNode x = form.get(key);
    String fk = StrictReader.path(f, key);
    switch (key) {
      case "value" -> {
        String value = scalarText(r, x, fk);
        return value == null ? null : new EnvWant(value, null, null, false);
      }
      case "valueFrom" -> {
        EnvVarSource src = r.typed(x, fk, EnvVarSource.class);
        return src == null ? null : new EnvWant(null, src, null, false);
      }
      case "secret" -> {
        String ref = scalarText(r, x, fk);
        if (ref != null && !ref.matches("[^/]+/[^/]+")) {
          r.problem(x.line(), fk, "must be SECRET/KEY, found '" + ref + "'");
          return null;
        }
        return ref == null ? null : new EnvWant(null, null, ref, false);
      }
      default -> {
        return null;
      }
    }
  }

  private static void envCheck(
      Decision d, String name, EnvWant want, int line, List<PolicyTestMismatch> mm) {
    EnvVar v = d.env().stream().filter(e -> e.getName().equals(name)).findFirst().orElse(null);
    String field = "env." + name;
    boolean ok;
    if (want.absent()) {
      ok = v == null;
    } else if (v == null) {
      ok = false;
    } else if (want.valueFrom() != null) {
      ok = plain(want.valueFrom()).equals(plain(v.getValueFrom()));
    } else if (want.secret() != null) {
      ok = want.secret().equals(secretRef(v));
    } else {
      ok = v.getValueFrom() == null && want.value().equals(Objects.toString(v.getValue(), ""));
    }
    if (!ok) {
      String got = v == null ? NOT_SET : envShown(v) + setBy(d, field);
      mm.add(new PolicyTestMismatch(field, line, want.describe(), got));
    }
  }

  private static String envShown(EnvVar v) {
    if (v.getValueFrom() == null) {
      return Objects.toString(v.getValue(), "");
    }
    String ref = secretRef(v);
    return ref != null ? "secret " + ref : "valueFrom " + show(v.getValueFrom());
  }

  private static String secretRef(EnvVar v) {
    if (v.getValueFrom() == null || v.getValueFrom().getSecretKeyRef() == null) {
      return null;
    }
    return v.getValueFrom().getSecretKeyRef().getName()
        + "/"
        + v.getValueFrom().getSecretKeyRef().getKey();
  }

  /** The exact set of variables that come from a Secret, as {@code NAME: secret/key}. */
  void secretRefs(YNode n, String f, int line, List<PolicyTestExpectation> out) {
    Map<String, String> want = r.stringMap(n, f);
    out.add(
        (d, mm) -> {
          Map<String, String> got = new LinkedHashMap<>();
          d.env()
              .forEach(
                  v -> {
                    String ref = secretRef(v);
                    if (ref != null) {
                      got.put(v.getName(), ref);
                    }
                  });
          if (!got.equals(want)) {
            mm.add(new PolicyTestMismatch("secretRefs", line, show(want), show(got)));
          }
        });
  }
}
