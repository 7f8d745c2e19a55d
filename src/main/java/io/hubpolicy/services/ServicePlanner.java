package io.hubpolicy.services;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Lifecycle;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.SafeNames;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.TemplateRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a decision's services into the exact objects a launch would create. Pure: it reads
 * templates (from memory) and renders them, and never writes to the cluster, so {@code decide} can
 * show them.
 */
public final class ServicePlanner {
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final TemplateRenderer renderer;
  private final TemplateSource templates;

  public ServicePlanner(TemplateRenderer renderer, TemplateSource templates) {
    this.renderer = renderer;
    this.templates = templates;
  }

  /** Every service, in decision order; one that cannot be rendered carries its error. */
  public List<PlannedService> plan(Map<String, ServiceSpec> services, ServiceTarget target) {
    List<PlannedService> out = new ArrayList<>();
    services.forEach((name, spec) -> out.add(plan(name, spec, target)));
    return out;
  }

  public PlannedService plan(String name, ServiceSpec spec, ServiceTarget target) {
    Lifecycle lifecycle = spec.lifecycle() == null ? Lifecycle.SERVER_STOPPED : spec.lifecycle();
    try {
      List<GenericKubernetesResource> manifests = new ArrayList<>();
      if (spec.template() != null) {
        ServiceTemplates.Text t = openShiftTemplate(name, spec.template());
        for (Map<String, Object> o : OpenShiftTemplate.process(t, spec.parameters(), target)) {
          manifests.add(complete(o, name, spec, lifecycle, target, t.source()));
        }
      } else {
        Map<String, Object> variables = new LinkedHashMap<>(spec.configuration());
        variables.putAll(target.templateVariables());
        for (TemplateRef ref : spec.resources()) {
          ServiceTemplates.Text t = configMapKey(name, ref);
          String rendered =
              renderer.render(t.source(), t.text(), variables, target.unsetVariables());
          for (Map<String, Object> o : manifests(rendered, t.source())) {
            manifests.add(complete(o, name, spec, lifecycle, target, t.source()));
          }
        }
      }
      return new PlannedService(name, lifecycle, spec.returns(), manifests, null);
    } catch (RenderException e) {
      return new PlannedService(
          name, lifecycle, spec.returns(), List.of(), "service " + name + ": " + e.getMessage());
    }
  }

  private ServiceTemplates.Text configMapKey(String service, TemplateRef ref) {
    Map<String, ServiceTemplates.Text> keys =
        templates
            .configMap(ref.name())
            .orElseThrow(
                () ->
                    new RenderException(
                        "ConfigMap " + ref.name(),
                        0,
                        "not found (needed by service " + service + ")"));
    ServiceTemplates.Text t = keys.get(ref.path());
    if (t == null) {
      throw new RenderException(
          "ConfigMap " + ref.name(),
          0,
          "has no key '"
              + ref.path()
              + "' (keys: "
              + String.join(", ", new TreeSet<>(keys.keySet()))
              + ")");
    }
    return t;
  }

  private ServiceTemplates.Text openShiftTemplate(String service, String name) {
    Optional<ServiceTemplates.Text> t = templates.openShiftTemplate(name);
    if (t.isPresent()) {
      return t.get();
    }
    Map<String, ServiceTemplates.Text> keys =
        templates
            .configMap(name)
            .orElseThrow(
                () ->
                    new RenderException(
                        "Template " + name,
                        0,
                        "no OpenShift Template or ConfigMap of that name (needed by service "
                            + service
                            + ")"));
    for (ServiceTemplates.Text text : keys.values()) {
      if (OpenShiftTemplate.isTemplate(firstDocument(text.text()))) {
        return text;
      }
    }
    throw new RenderException(
        "ConfigMap " + name, 0, "holds no OpenShift Template (needed by service " + service + ")");
  }

  private static Object firstDocument(String text) {
    List<Problem> problems = new ArrayList<>();
    List<YNode> docs = YamlReader.readAll(text, "", 0, problems);
    return problems.isEmpty() && docs.size() == 1 ? docs.get(0).plain() : null;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> manifests(String rendered, String source) {
    List<Problem> problems = new ArrayList<>();
    List<YNode> docs = YamlReader.readAll(rendered, source, 0, problems);
    if (!problems.isEmpty()) {
      Problem p = problems.get(0);
      throw new RenderException(
          source, p.line(), "the rendered template is not valid YAML: " + p.message());
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (YNode doc : docs) {
      Object o = doc.plain();
      if (o == null) {
        continue;
      }
      if (!(o instanceof Map<?, ?>)) {
        throw new RenderException(
            source,
            doc.line(),
            "the rendered template must be a Kubernetes object, found " + doc.kind());
      }
      out.add((Map<String, Object>) o);
    }
    if (out.isEmpty()) {
      throw new RenderException(source, 0, "the rendered template holds no object");
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource complete(
      Map<String, Object> o,
      String service,
      ServiceSpec spec,
      Lifecycle lifecycle,
      ServiceTarget target,
      String source) {
    if (!(o.get("apiVersion") instanceof String) || !(o.get("kind") instanceof String kind)) {
      throw new RenderException(source, 0, "every object needs apiVersion and kind");
    }
    Object m = o.get("metadata");
    if (m != null && !(m instanceof Map<?, ?>)) {
      throw new RenderException(source, 0, kind + ": metadata must be a mapping");
    }
    Map<String, Object> meta =
        m == null ? new LinkedHashMap<>() : new LinkedHashMap<>((Map<String, Object>) m);
    if (!(meta.get("name") instanceof String name) || name.isBlank()) {
      throw new RenderException(source, 0, kind + " has no metadata.name");
    }
    Object ns = meta.get("namespace");
    if (ns != null && !ns.equals(target.namespace())) {
      throw new RenderException(
          source,
          0,
          kind
              + " "
              + name
              + " asks for namespace '"
              + ns
              + "'; services are created in '"
              + target.namespace()
              + "'");
    }
    String finalName = ServiceNames.objectName(name, target);
    if (finalName.length() > 253 || !DNS_SUBDOMAIN.matcher(finalName).matches()) {
      throw new RenderException(
          source,
          0,
          kind
              + " name '"
              + finalName
              + "' is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')");
    }
    meta.put("name", finalName);
    meta.put("namespace", target.namespace());
    // A template without labels still gets them (the old system crashed there).
    Map<String, Object> labels = new LinkedHashMap<>();
    if (meta.get("labels") instanceof Map<?, ?> own) {
      own.forEach((k, v) -> labels.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    labels.putAll(spec.labels());
    labels.putAll(ServiceNames.labels(target));
    labels.put(ServiceNames.SERVICE, SafeNames.labelValue(service));
    meta.put("labels", labels);
    Map<String, Object> annotations = new LinkedHashMap<>();
    if (meta.get("annotations") instanceof Map<?, ?> own) {
      own.forEach((k, v) -> annotations.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    Lifecycle own = ownLifecycle(annotations, source, kind + " " + name);
    String wire = (own != null ? own : lifecycle).wire();
    annotations.put(ServiceNames.LIFECYCLE, wire);
    annotations.put(ServiceNames.KTS_LIFECYCLE, wire);
    meta.put("annotations", annotations);
    Map<String, Object> object = new LinkedHashMap<>(o);
    object.put("metadata", meta);
    // status belongs to the controller that reconciles the object.
    object.remove("status");
    return KubeJson.SERIALIZATION.convertValue(object, GenericKubernetesResource.class);
  }

  /**
   * The lifecycle an object's template gives it with {@code hubpolicy/lifecycle} or
   * KubeTemplateSpawner's {@code kubetemplatespawner/lifecycle} (same values); null if neither. It
   * wins over the service's {@code lifecycle}, which is the default for the objects that name none.
   */
  private static Lifecycle ownLifecycle(
      Map<String, Object> annotations, String source, String what) {
    Lifecycle found = null;
    String foundKey = null;
    for (String key : List.of(ServiceNames.LIFECYCLE, ServiceNames.KTS_LIFECYCLE)) {
      Object value = annotations.get(key);
      if (value == null) {
        continue;
      }
      Lifecycle lc =
          Lifecycle.of(String.valueOf(value))
              .orElseThrow(
                  () ->
                      new RenderException(
                          source,
                          0,
                          what
                              + ": annotation "
                              + key
                              + " must be one of "
                              + Lifecycle.names()
                              + ", found '"
                              + value
                              + "'"));
      if (found != null && found != lc) {
        throw new RenderException(
            source,
            0,
            what
                + ": annotations "
                + foundKey
                + " ("
                + found
                + ") and "
                + key
                + " ("
                + lc
                + ") disagree; give one");
      }
      found = lc;
      foundKey = key;
    }
    return found;
  }
}
