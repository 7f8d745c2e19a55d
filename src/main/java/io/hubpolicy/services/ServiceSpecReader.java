package io.hubpolicy.services;

import com.jayway.jsonpath.JsonPath;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.TemplateRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A profile's {@code services:} as the launcher will need them, checked where they are written: the
 * templates they name, their configuration (not redefining what hubpolicy sets for every template),
 * the JSONPaths of {@code return} and their lifecycle. Kept beside the launcher so that what the
 * loader accepts and what a launch can do never drift apart.
 */
public final class ServiceSpecReader {
  static final Set<String> KEYS =
      Set.of(
          "resources", "template", "parameters", "configuration", "labels", "return", "lifecycle");
  private static final Set<String> TEMPLATE_REF_KEYS = Set.of("name", "path");

  private ServiceSpecReader() {}

  /**
   * {@code services:} of a profile: service name to spec; bad services are reported and left out.
   */
  public static Map<String, ServiceSpec> services(StrictReader in, YNode n, String field) {
    Map<String, ServiceSpec> out = new LinkedHashMap<>();
    if (StrictReader.isNull(n)) {
      return out;
    }
    if (!(n instanceof YMap m)) {
      in.problem(
          n.line(), field, "must be a mapping of service name to service, found " + n.kind());
      return out;
    }
    m.entries()
        .forEach(
            (name, node) -> {
              ServiceSpec spec = service(in, node, field + "." + name);
              if (spec != null) {
                out.put(name, spec);
              }
            });
    return out;
  }

  static ServiceSpec service(StrictReader in, YNode n, String field) {
    if (!(n instanceof YMap s)) {
      in.problem(n.line(), field, "a service must be a mapping, found " + n.kind());
      return null;
    }
    int mark = in.mark();
    in.unknownKeys(s, field, KEYS);
    List<TemplateRef> refs = templateRefs(in, s.get("resources"), field + ".resources");
    String template = in.optionalString(s, "template", field);
    if (refs.isEmpty() && template == null) {
      in.problem(
          s.line(),
          field,
          "needs either resources (templates in ConfigMaps) or template (an OpenShift Template)");
    } else if (!refs.isEmpty() && template != null) {
      in.problem(s.line(), field, "has both resources and template; use one");
    }
    Map<String, String> parameters = in.stringMap(s.get("parameters"), field + ".parameters");
    Map<String, Object> configuration = configuration(in, s.get("configuration"), field);
    Map<String, String> labels = in.stringMap(s.get("labels"), field + ".labels");
    Map<String, String> returns = returns(in, s.get("return"), field + ".return");
    Lifecycle lifecycle = lifecycle(in, s, field);
    if (!in.cleanSince(mark)) {
      return null;
    }
    return new ServiceSpec(refs, template, parameters, configuration, labels, returns, lifecycle);
  }

  private static List<TemplateRef> templateRefs(StrictReader in, YNode res, String field) {
    List<TemplateRef> refs = new ArrayList<>();
    if (StrictReader.isNull(res)) {
      return refs;
    }
    if (!(res instanceof YList list)) {
      in.problem(res.line(), field, "must be a list of {name, path}, found " + res.kind());
      return refs;
    }
    for (int i = 0; i < list.items().size(); i++) {
      String f = field + "[" + i + "]";
      YNode item = list.items().get(i);
      if (!(item instanceof YMap r)) {
        in.problem(item.line(), f, "must be a mapping with name and path, found " + item.kind());
        continue;
      }
      in.unknownKeys(r, f, TEMPLATE_REF_KEYS);
      refs.add(new TemplateRef(in.requiredString(r, "name", f), in.requiredString(r, "path", f)));
    }
    return refs;
  }

  private static Map<String, Object> configuration(StrictReader in, YNode conf, String field) {
    Map<String, Object> configuration = new LinkedHashMap<>();
    if (conf instanceof YMap cm) {
      cm.entries()
          .forEach(
              (k, v) -> {
                if (ServiceTarget.RESERVED_VARIABLES.contains(k)) {
                  in.problem(
                      cm.keyLine(k),
                      field + ".configuration." + k,
                      "'"
                          + k
                          + "' is set by hubpolicy for every template (reserved: "
                          + String.join(", ", new TreeSet<>(ServiceTarget.RESERVED_VARIABLES))
                          + "); choose another name");
                }
                configuration.put(k, v.plain());
              });
    } else if (!StrictReader.isNull(conf)) {
      in.problem(conf.line(), field + ".configuration", "must be a mapping, found " + conf.kind());
    }
    return configuration;
  }

  private static Map<String, String> returns(StrictReader in, YNode n, String field) {
    Map<String, String> returns = in.stringMap(n, field);
    if (n instanceof YMap rm) {
      returns.forEach(
          (env, path) -> {
            try {
              JsonPath.compile(ReturnPaths.normalize(path));
            } catch (RuntimeException e) {
              in.problem(
                  rm.keyLine(env),
                  field + "." + env,
                  "'" + path + "' is not a JSONPath: " + e.getMessage());
            }
          });
    }
    return returns;
  }

  private static Lifecycle lifecycle(StrictReader in, YMap s, String field) {
    String name = in.optionalString(s, "lifecycle", field);
    if (name == null) {
      return null;
    }
    return Lifecycle.of(name)
        .orElseGet(
            () -> {
              in.problem(
                  s.get("lifecycle").line(),
                  field + ".lifecycle",
                  "must be one of " + Lifecycle.names() + ", found '" + name + "'");
              return null;
            });
  }
}
