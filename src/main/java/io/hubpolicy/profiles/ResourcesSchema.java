package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.Quantities;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code resources} of a profile or a size: {@code requests}/{@code limits} per resource name, or
 * the classic {@code mem_limit}/{@code cpu_limit}, each one figure that is both request and limit.
 * Read into keys like {@code limits.memory}, the unit of last-match-wins merging.
 */
final class ResourcesSchema {
  static final Set<String> KEYS = Set.of("requests", "limits", "mem_limit", "cpu_limit");

  private ResourcesSchema() {}

  static Map<String, Quantity> read(StrictReader in, YNode n, String field) {
    Map<String, Quantity> out = new LinkedHashMap<>();
    if (StrictReader.isNull(n)) {
      return out;
    }
    if (!(n instanceof YMap r)) {
      in.problem(n.line(), field, "must be a mapping, found " + n.kind());
      return out;
    }
    in.unknownKeys(r, field, KEYS);
    boolean legacy = r.get("mem_limit") != null || r.get("cpu_limit") != null;
    boolean current = r.get("requests") != null || r.get("limits") != null;
    if (legacy && current) {
      in.problem(r.line(), field, "mixes mem_limit/cpu_limit with requests/limits; use one form");
      return out;
    }
    for (String kind : List.of("requests", "limits")) {
      YNode k = r.get(kind);
      if (StrictReader.isNull(k)) {
        continue;
      }
      if (!(k instanceof YMap km)) {
        in.problem(
            k.line(),
            field + "." + kind,
            "must be a mapping of resource name to quantity, found " + k.kind());
        continue;
      }
      km.entries()
          .forEach(
              (res, q) -> {
                Quantity quantity = quantity(in, q, field + "." + kind + "." + res);
                if (quantity != null) {
                  out.put(kind + "." + res, quantity);
                }
              });
    }
    for (String[] legacyKey : new String[][] {{"cpu_limit", "cpu"}, {"mem_limit", "memory"}}) {
      YNode q = r.get(legacyKey[0]);
      if (q != null) {
        Quantity quantity = quantity(in, q, field + "." + legacyKey[0]);
        if (quantity != null) {
          out.put("requests." + legacyKey[1], quantity);
          out.put("limits." + legacyKey[1], quantity);
        }
      }
    }
    return out;
  }

  static Quantity quantity(StrictReader in, YNode n, String field) {
    if (!(n instanceof YScalar s) || s.isNull() || s.value() instanceof Boolean) {
      in.problem(n.line(), field, "must be a quantity such as 500m, 2 or 1Gi, found " + n.kind());
      return null;
    }
    Quantity q = Quantities.parse(s.asText()).orElse(null);
    if (q == null) {
      in.problem(
          n.line(),
          field,
          "'" + s.asText() + "' is not a Kubernetes quantity (e.g. 500m, 2, 1.5Gi, 512M)");
    } else if (Quantities.parseResource(s.asText()).isEmpty()) {
      in.problem(
          n.line(),
          field,
          "'" + s.asText() + "' is negative; Kubernetes refuses negative resources");
      q = null;
    }
    return q;
  }
}
