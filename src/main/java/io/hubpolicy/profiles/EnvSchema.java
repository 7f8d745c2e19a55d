package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Placeholders;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A profile's {@code env}: a list of Kubernetes EnvVars (value or valueFrom), or the classic map of
 * name to value. {@code protected: true} is hubpolicy's addition: a user's own variables may not
 * override that one.
 */
final class EnvSchema {
  static final Set<String> KEYS = Set.of("name", "value", "valueFrom", "protected");

  private EnvSchema() {}

  static List<EnvVar> read(StrictReader in, YNode n, String field, Set<String> protectedOut) {
    if (StrictReader.isNull(n)) {
      return List.of();
    }
    List<EnvVar> out = new ArrayList<>();
    if (n instanceof YMap legacy) {
      legacy
          .entries()
          .forEach(
              (name, v) -> {
                if (v instanceof YScalar s) {
                  String text = s.isNull() ? "" : s.asText();
                  String problem = Placeholders.problem(text);
                  if (problem != null) {
                    in.problem(v.line(), field + "." + name, problem);
                  }
                  out.add(new EnvVar(name, text, null));
                } else {
                  in.problem(
                      v.line(),
                      field + "." + name,
                      "a value in the env map must be a string, found " + v.kind());
                }
              });
      return out;
    }
    if (!(n instanceof YList list)) {
      in.problem(
          n.line(),
          field,
          "must be a list of variables or a map of name to value, found " + n.kind());
      return List.of();
    }
    for (int i = 0; i < list.items().size(); i++) {
      String f = field + "[" + i + "]";
      YNode item = list.items().get(i);
      if (!(item instanceof YMap e)) {
        in.problem(
            item.line(),
            f,
            "an env entry must be a mapping with name and value, found " + item.kind());
        continue;
      }
      in.unknownKeys(e, f, KEYS);
      YNode prot = e.get("protected");
      boolean isProtected = false;
      if (prot instanceof YScalar ps
          && ("true".equals(ps.asText()) || "false".equals(ps.asText()))) {
        isProtected = Boolean.parseBoolean(ps.asText());
      } else if (prot != null) {
        in.problem(prot.line(), f + ".protected", "must be true or false");
      }
      String name = in.requiredString(e, "name", f);
      YNode value = e.get("value");
      YNode valueFrom = e.get("valueFrom");
      if (value != null && !StrictReader.isNull(valueFrom)) {
        in.problem(e.line(), f, "has both value and valueFrom; use one");
        continue;
      }
      String v = null;
      if (value instanceof YScalar s) {
        v = s.isNull() ? "" : s.asText();
        String problem = Placeholders.problem(v);
        if (problem != null) {
          in.problem(value.line(), f + ".value", problem);
        }
      } else if (value != null) {
        in.problem(value.line(), f + ".value", "must be a string, found " + value.kind());
      }
      EnvVarSource from = in.typed(valueFrom, f + ".valueFrom", EnvVarSource.class);
      if (name != null) {
        out.add(new EnvVar(name, from == null && v == null ? "" : v, from));
        if (isProtected) {
          protectedOut.add(name);
        }
      }
    }
    return out;
  }
}
