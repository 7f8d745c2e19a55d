package io.hubpolicy.profiles;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.hubpolicy.model.GpuType;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ProfileVolume;
import io.hubpolicy.model.Quantities;
import io.hubpolicy.model.ServiceSpec;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SourceRef;
import io.hubpolicy.model.TemplateRef;
import io.hubpolicy.profiles.YNode.YList;
import io.hubpolicy.profiles.YNode.YMap;
import io.hubpolicy.profiles.YNode.YScalar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loads profile configuration in every format the old system accepted, strictly: unknown keys,
 * wrong types and bad quantities are problems naming the source, line and field. All problems are
 * collected so one run of {@code validate} reports everything.
 */
public final class ProfileLoader {
  public static final String DEFAULT_DATA_KEY = "jupyterhub-singleuser-profiles.yaml";

  private static final Set<String> DOC_KEYS = Set.of("profiles", "sizes", "gpuTypes", "ui");
  // protected: a user's own variables may not override this one (hubpolicy's addition).
  private static final Set<String> ENV_KEYS = Set.of("name", "value", "valueFrom", "protected");
  private static final Set<String> PROFILE_KEYS =
      Set.of(
          "name",
          "users",
          "groups",
          "images",
          "env",
          "resources",
          "node_tolerations",
          "node_affinity",
          "volumes",
          "gpu",
          "services");
  private static final Set<String> SIZE_KEYS = Set.of("name", "resources");
  private static final Set<String> GPU_TYPE_KEYS =
      Set.of("type", "node_tolerations", "node_affinity");
  private static final Set<String> SERVICE_KEYS =
      Set.of(
          "resources", "template", "parameters", "configuration", "labels", "return", "lifecycle");

  /** Template variables hubpolicy sets itself; a service's configuration may not redefine them. */
  public static final Set<String> RESERVED_TEMPLATE_VARIABLES =
      Set.of("user", "USERNAME", "username", "server", "namespace", "instance");

  private static final Set<String> LIFECYCLES =
      Set.of("server-stopped", "server-deleted", "user-deleted");
  private static final Set<String> VOLUME_MOUNT_KEYS = Set.of("mountPath", "readOnly", "subPath");

  /** What a read produced: the configuration (possibly partial), its problems, and notes. */
  public record Result(PolicyConfig config, List<Problem> problems) {
    public PolicyConfig orThrow() {
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
      return config;
    }
  }

  private final String dataKey;

  public ProfileLoader() {
    this(DEFAULT_DATA_KEY);
  }

  public ProfileLoader(String dataKey) {
    this.dataKey = dataKey;
  }

  /** Files and directories (each read alphabetically), concatenated in the order given. */
  public Result readPaths(List<Path> paths) {
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> sources = sourcesFromPaths(paths, problems);
    Result r = read(sources);
    problems.addAll(r.problems());
    return new Result(r.config(), problems);
  }

  public static List<ConfigSource> sourcesFromPaths(List<Path> paths, List<Problem> problems) {
    List<ConfigSource> sources = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          files
              .filter(f -> Files.isRegularFile(f) && isConfigFile(f))
              .sorted()
              .forEach(f -> readFile(f, sources, problems));
        } catch (IOException e) {
          problems.add(
              new Problem(p.toString(), 0, "", "cannot list directory: " + e.getMessage()));
        }
      } else if (Files.isRegularFile(p)) {
        readFile(p, sources, problems);
      } else {
        problems.add(new Problem(p.toString(), 0, "", "no such file or directory"));
      }
    }
    return sources;
  }

  /** Whether a file in a profiles directory is read: .yaml, .yml or .json, not hidden. */
  public static boolean isConfigFile(Path f) {
    String n = f.getFileName().toString();
    return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
  }

  private static void readFile(Path f, List<ConfigSource> sources, List<Problem> problems) {
    try {
      sources.add(new ConfigSource(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      problems.add(new Problem(f.toString(), 0, "", "cannot read: " + e.getMessage()));
    }
  }

  /** Reads sources in order; later profiles come after earlier ones (the last match wins). */
  public Result read(List<ConfigSource> sources) {
    Acc acc = new Acc();
    for (ConfigSource s : sources) {
      acc.sources.add(s.name());
      new SourceReader(s, acc).read();
    }
    PolicyConfig config =
        new PolicyConfig(
            acc.profiles,
            acc.sizes,
            acc.gpuTypes,
            acc.ui,
            acc.sources,
            acc.notes,
            new ServiceTemplates(acc.configMapTemplates, acc.openShiftTemplates));
    return new Result(config, acc.problems);
  }

  /** State shared across the sources of one read. */
  private static final class Acc {
    final List<Profile> profiles = new ArrayList<>();
    final List<Size> sizes = new ArrayList<>();
    final List<GpuType> gpuTypes = new ArrayList<>();
    final Map<String, Object> ui = new LinkedHashMap<>();
    final List<String> sources = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<Problem> problems = new ArrayList<>();
    final Map<String, Map<String, ServiceTemplates.Text>> configMapTemplates =
        new LinkedHashMap<>();
    final Map<String, ServiceTemplates.Text> openShiftTemplates = new LinkedHashMap<>();
  }

  private final class SourceReader {
    private final ConfigSource src;
    private final Acc acc;
    private String source;

    SourceReader(ConfigSource src, Acc acc) {
      this.src = src;
      this.acc = acc;
      this.source = src.name();
    }

    void read() {
      List<YNode> docs = YamlReader.readAll(src.text(), source, src.lineOffset(), acc.problems);
      if (docs.isEmpty()) {
        acc.notes.add(source + ": empty, skipped");
      }
      for (YNode doc : docs) {
        readDocument(doc);
      }
    }

    private void problem(int line, String field, String message) {
      acc.problems.add(new Problem(source, line, field, message));
    }

    private void readDocument(YNode doc) {
      if (doc instanceof YList list) {
        readProfiles(list, "");
        return;
      }
      if (!(doc instanceof YMap map)) {
        if (!(doc instanceof YScalar s && s.isNull())) {
          problem(
              doc.line(),
              "",
              "expected a profile configuration or a ConfigMap, found " + doc.kind());
        }
        return;
      }
      YNode kind = map.get("kind");
      if (kind == null) {
        readConfig(map, "");
        return;
      }
      String k = kind instanceof YScalar ks ? ks.asText() : "";
      switch (k) {
        case "ConfigMap" -> readConfigMap(map);
        case "Template" -> readTemplate(map);
        default ->
            problem(
                kind.line(),
                "kind",
                "unsupported kind '"
                    + k
                    + "': expected a ConfigMap, an OpenShift Template or a profile configuration");
      }
    }

    private String metadataName(YMap map) {
      if (map.get("metadata") instanceof YMap meta && meta.get("name") instanceof YScalar n) {
        return n.asText();
      }
      return "<unnamed>";
    }

    private void readConfigMap(YMap cm) {
      String name = metadataName(cm);
      YNode data = cm.get("data");
      if (data == null || (data instanceof YScalar s && s.isNull())) {
        acc.notes.add(source + ": ConfigMap '" + name + "' has no data, skipped");
        return;
      }
      if (!(data instanceof YMap dataMap)) {
        problem(data.line(), "data", "must be a mapping, found " + data.kind());
        return;
      }
      YNode value = dataMap.get(dataKey);
      if (value == null) {
        acc.notes.add(
            source
                + ": ConfigMap '"
                + name
                + "' has no key '"
                + dataKey
                + "' (keys: "
                + String.join(", ", dataMap.entries().keySet())
                + "); read as service templates, not profiles");
        Map<String, ServiceTemplates.Text> keys = new LinkedHashMap<>();
        dataMap
            .entries()
            .forEach(
                (key, v) -> {
                  if (v instanceof YScalar t && t.value() instanceof String text) {
                    keys.put(
                        key,
                        new ServiceTemplates.Text(
                            source + ": ConfigMap " + name + ", key " + key, text));
                  }
                });
        acc.configMapTemplates.put(name, keys);
        return;
      }
      if (!(value instanceof YScalar text) || !(text.value() instanceof String s)) {
        problem(
            value.line(),
            "data." + dataKey,
            "must be a string holding YAML, found " + value.kind());
        return;
      }
      // Lines inside a block scalar start on the line after its indicator. A quoted or plain value
      // (JSON manifests) has no such mapping: its problems are reported at the value's own line.
      String outer = source;
      source = outer + " (ConfigMap " + name + ", key " + dataKey + ")";
      int before = acc.problems.size();
      List<YNode> docs =
          YamlReader.readAll(s, source, text.block() ? text.line() : 0, acc.problems);
      if (docs.isEmpty()) {
        acc.notes.add(source + ": empty, skipped");
      }
      for (YNode inner : docs) {
        if (inner instanceof YMap im && im.get("kind") != null) {
          problem(
              inner.line(),
              "kind",
              "a ConfigMap's profile key must hold a profile configuration, not a manifest");
        } else {
          readDocument(inner);
        }
      }
      if (!text.block()) {
        List<Problem> inner = acc.problems.subList(before, acc.problems.size());
        inner.replaceAll(p -> new Problem(p.source(), text.line(), p.field(), p.message()));
      }
      source = outer;
    }

    private void readTemplate(YMap t) {
      String name = metadataName(t);
      YNode objects = t.get("objects");
      if (!(objects instanceof YList)) {
        problem(t.line(), "objects", "an OpenShift Template needs a list of objects");
        return;
      }
      YNode params = t.get("parameters");
      if (params != null && !(params instanceof YList)) {
        problem(params.line(), "parameters", "must be a list, found " + params.kind());
      } else if (params instanceof YList pl) {
        for (int i = 0; i < pl.items().size(); i++) {
          YNode p = pl.items().get(i);
          if (!(p instanceof YMap pm) || !(pm.get("name") instanceof YScalar)) {
            problem(p.line(), "parameters[" + i + "]", "a parameter needs a name");
          }
        }
      }
      acc.openShiftTemplates.put(
          name,
          new ServiceTemplates.Text(
              source + ": Template " + name, KubeJson.SERIALIZATION.asJson(t.plain())));
      acc.notes.add(
          source
              + ": OpenShift Template '"
              + name
              + "' is a service template (used by services' 'template:'), not profiles");
    }

    private void readConfig(YMap doc, String prefix) {
      for (String key : doc.entries().keySet()) {
        if (!DOC_KEYS.contains(key)) {
          problem(doc.keyLine(key), prefix + key, unknownKey(key, DOC_KEYS));
        }
      }
      YNode profiles = doc.get("profiles");
      if (profiles instanceof YList list) {
        readProfiles(list, "profiles");
      } else if (profiles != null && !isNull(profiles)) {
        problem(profiles.line(), "profiles", "must be a list, found " + profiles.kind());
      }
      YNode sizes = doc.get("sizes");
      if (sizes instanceof YList list) {
        for (int i = 0; i < list.items().size(); i++) {
          readSize(list.items().get(i), "sizes[" + i + "]");
        }
      } else if (sizes != null && !isNull(sizes)) {
        problem(sizes.line(), "sizes", "must be a list, found " + sizes.kind());
      }
      YNode gpuTypes = doc.get("gpuTypes");
      if (gpuTypes instanceof YList list) {
        for (int i = 0; i < list.items().size(); i++) {
          readGpuType(list.items().get(i), "gpuTypes[" + i + "]");
        }
      } else if (gpuTypes != null && !isNull(gpuTypes)) {
        problem(gpuTypes.line(), "gpuTypes", "must be a list, found " + gpuTypes.kind());
      }
      YNode ui = doc.get("ui");
      if (ui instanceof YMap m) {
        // The UI section is merged per top-level key, as the old system did.
        m.entries().forEach((k, v) -> acc.ui.put(k, v.plain()));
      } else if (ui != null && !isNull(ui)) {
        problem(ui.line(), "ui", "must be a mapping, found " + ui.kind());
      }
    }

    private void readProfiles(YList list, String prefix) {
      for (int i = 0; i < list.items().size(); i++) {
        String field = (prefix.isEmpty() ? "" : prefix) + "[" + i + "]";
        readProfile(list.items().get(i), field);
      }
    }

    private void readProfile(YNode node, String field) {
      if (!(node instanceof YMap p)) {
        problem(node.line(), field, "a profile must be a mapping, found " + node.kind());
        return;
      }
      int before = acc.problems.size();
      for (String key : p.entries().keySet()) {
        if (!PROFILE_KEYS.contains(key)) {
          problem(p.keyLine(key), field + "." + key, unknownKey(key, PROFILE_KEYS));
        }
      }
      String name = requiredString(p, "name", field);
      List<String> users = stringList(p, "users", field);
      List<String> groups = stringList(p, "groups", field);
      List<String> images = stringList(p, "images", field);
      Set<String> protectedEnv = new LinkedHashSet<>();
      List<EnvVar> env = env(p.get("env"), field + ".env", protectedEnv);
      Map<String, Quantity> resources = resources(p.get("resources"), field + ".resources");
      List<Toleration> tolerations =
          typedList(p.get("node_tolerations"), field + ".node_tolerations", Toleration.class);
      NodeAffinity affinity =
          typed(p.get("node_affinity"), field + ".node_affinity", NodeAffinity.class);
      List<ProfileVolume> volumes = volumes(p.get("volumes"), field + ".volumes");
      Integer gpu = gpu(p.get("gpu"), field + ".gpu");
      Map<String, ServiceSpec> services = services(p.get("services"), field + ".services");
      if (acc.problems.size() == before) {
        acc.profiles.add(
            new Profile(
                acc.profiles.size(),
                name,
                new SourceRef(source, p.line()),
                users,
                groups,
                images,
                env,
                resources,
                tolerations,
                affinity,
                volumes,
                gpu,
                services,
                protectedEnv));
      }
    }

    private void readSize(YNode node, String field) {
      if (!(node instanceof YMap s)) {
        problem(node.line(), field, "a size must be a mapping, found " + node.kind());
        return;
      }
      int before = acc.problems.size();
      for (String key : s.entries().keySet()) {
        if (!SIZE_KEYS.contains(key)) {
          problem(s.keyLine(key), field + "." + key, unknownKey(key, SIZE_KEYS));
        }
      }
      String name = requiredString(s, "name", field);
      Map<String, Quantity> resources = resources(s.get("resources"), field + ".resources");
      if (acc.problems.size() == before) {
        acc.sizes.add(new Size(name, resources, new SourceRef(source, s.line())));
      }
    }

    private void readGpuType(YNode node, String field) {
      if (!(node instanceof YMap g)) {
        problem(node.line(), field, "a GPU type must be a mapping, found " + node.kind());
        return;
      }
      int before = acc.problems.size();
      for (String key : g.entries().keySet()) {
        if (!GPU_TYPE_KEYS.contains(key)) {
          problem(g.keyLine(key), field + "." + key, unknownKey(key, GPU_TYPE_KEYS));
        }
      }
      String type = requiredString(g, "type", field);
      List<Toleration> tolerations =
          typedList(g.get("node_tolerations"), field + ".node_tolerations", Toleration.class);
      NodeAffinity affinity =
          typed(g.get("node_affinity"), field + ".node_affinity", NodeAffinity.class);
      if (acc.problems.size() == before) {
        acc.gpuTypes.add(new GpuType(type, tolerations, affinity));
      }
    }

    // ---- fields ----

    private String requiredString(YMap m, String key, String field) {
      YNode n = m.get(key);
      if (n == null || isNull(n)) {
        problem(m.line(), field + "." + key, "is required");
        return null;
      }
      if (!(n instanceof YScalar s) || s.asText().isBlank()) {
        problem(n.line(), field + "." + key, "must be a non-empty string, found " + n.kind());
        return null;
      }
      return s.asText();
    }

    private List<String> stringList(YMap m, String key, String field) {
      YNode n = m.get(key);
      if (n == null || isNull(n)) {
        return List.of();
      }
      if (!(n instanceof YList list)) {
        problem(n.line(), field + "." + key, "must be a list of strings, found " + n.kind());
        return List.of();
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        YNode item = list.items().get(i);
        if (item instanceof YScalar s && !s.isNull()) {
          out.add(s.asText());
        } else {
          problem(
              item.line(),
              field + "." + key + "[" + i + "]",
              "must be a string, found " + item.kind());
        }
      }
      return out;
    }

    private List<EnvVar> env(YNode n, String field, Set<String> protectedOut) {
      if (n == null || isNull(n)) {
        return List.of();
      }
      List<EnvVar> out = new ArrayList<>();
      if (n instanceof YMap legacy) {
        // Classic form: a map of name to value.
        legacy
            .entries()
            .forEach(
                (name, v) -> {
                  if (v instanceof YScalar s) {
                    out.add(new EnvVar(name, s.isNull() ? "" : s.asText(), null));
                  } else {
                    problem(
                        v.line(),
                        field + "." + name,
                        "a value in the env map must be a string, found " + v.kind());
                  }
                });
        return out;
      }
      if (!(n instanceof YList list)) {
        problem(
            n.line(),
            field,
            "must be a list of variables or a map of name to value, found " + n.kind());
        return List.of();
      }
      for (int i = 0; i < list.items().size(); i++) {
        String f = field + "[" + i + "]";
        YNode item = list.items().get(i);
        if (!(item instanceof YMap e)) {
          problem(
              item.line(),
              f,
              "an env entry must be a mapping with name and value, found " + item.kind());
          continue;
        }
        for (String key : e.entries().keySet()) {
          if (!ENV_KEYS.contains(key)) {
            problem(e.keyLine(key), f + "." + key, unknownKey(key, ENV_KEYS));
          }
        }
        YNode prot = e.get("protected");
        boolean isProtected = false;
        if (prot instanceof YScalar ps
            && ("true".equals(ps.asText()) || "false".equals(ps.asText()))) {
          isProtected = Boolean.parseBoolean(ps.asText());
        } else if (prot != null) {
          problem(prot.line(), f + ".protected", "must be true or false");
        }
        String name = requiredString(e, "name", f);
        YNode value = e.get("value");
        YNode valueFrom = e.get("valueFrom");
        if (value != null && valueFrom != null && !isNull(valueFrom)) {
          problem(e.line(), f, "has both value and valueFrom; use one");
          continue;
        }
        String v = null;
        if (value instanceof YScalar s) {
          v = s.isNull() ? "" : s.asText();
        } else if (value != null) {
          problem(value.line(), f + ".value", "must be a string, found " + value.kind());
        }
        EnvVarSource from = typed(valueFrom, f + ".valueFrom", EnvVarSource.class);
        if (name != null) {
          out.add(new EnvVar(name, from == null && v == null ? "" : v, from));
          if (isProtected) {
            protectedOut.add(name);
          }
        }
      }
      return out;
    }

    private Map<String, Quantity> resources(YNode n, String field) {
      Map<String, Quantity> out = new LinkedHashMap<>();
      if (n == null || isNull(n)) {
        return out;
      }
      if (!(n instanceof YMap r)) {
        problem(n.line(), field, "must be a mapping, found " + n.kind());
        return out;
      }
      Set<String> allowed = Set.of("requests", "limits", "mem_limit", "cpu_limit");
      for (String key : r.entries().keySet()) {
        if (!allowed.contains(key)) {
          problem(r.keyLine(key), field + "." + key, unknownKey(key, allowed));
        }
      }
      boolean legacy = r.get("mem_limit") != null || r.get("cpu_limit") != null;
      boolean current = r.get("requests") != null || r.get("limits") != null;
      if (legacy && current) {
        problem(r.line(), field, "mixes mem_limit/cpu_limit with requests/limits; use one form");
        return out;
      }
      for (String kind : List.of("requests", "limits")) {
        YNode k = r.get(kind);
        if (k == null || isNull(k)) {
          continue;
        }
        if (!(k instanceof YMap km)) {
          problem(
              k.line(),
              field + "." + kind,
              "must be a mapping of resource name to quantity, found " + k.kind());
          continue;
        }
        km.entries()
            .forEach(
                (res, q) -> {
                  Quantity quantity = quantity(q, field + "." + kind + "." + res);
                  if (quantity != null) {
                    out.put(kind + "." + res, quantity);
                  }
                });
      }
      // Classic form: one figure that is both the request and the limit.
      for (String[] legacyKey : new String[][] {{"cpu_limit", "cpu"}, {"mem_limit", "memory"}}) {
        YNode q = r.get(legacyKey[0]);
        if (q != null) {
          Quantity quantity = quantity(q, field + "." + legacyKey[0]);
          if (quantity != null) {
            out.put("requests." + legacyKey[1], quantity);
            out.put("limits." + legacyKey[1], quantity);
          }
        }
      }
      return out;
    }

    private Quantity quantity(YNode n, String field) {
      if (!(n instanceof YScalar s) || s.isNull() || s.value() instanceof Boolean) {
        problem(n.line(), field, "must be a quantity such as 500m, 2 or 1Gi, found " + n.kind());
        return null;
      }
      return Quantities.parse(s.asText())
          .orElseGet(
              () -> {
                problem(
                    n.line(),
                    field,
                    "'"
                        + s.asText()
                        + "' is not a Kubernetes quantity (e.g. 500m, 2, 1.5Gi, 512M)");
                return null;
              });
    }

    private Integer gpu(YNode n, String field) {
      if (n == null || isNull(n)) {
        return null;
      }
      if (n instanceof YScalar s && s.value() instanceof Integer i && i >= 0) {
        return i;
      }
      problem(
          n.line(),
          field,
          "must be a whole number of GPUs (0 or more), found "
              + n.kind()
              + (n instanceof YScalar s ? " '" + s.text() + "'" : ""));
      return null;
    }

    private List<ProfileVolume> volumes(YNode n, String field) {
      if (n == null || isNull(n)) {
        return List.of();
      }
      if (!(n instanceof YList list)) {
        problem(n.line(), field, "must be a list of volumes, found " + n.kind());
        return List.of();
      }
      List<ProfileVolume> out = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        String f = field + "[" + i + "]";
        YNode item = list.items().get(i);
        if (!(item instanceof YMap v)) {
          problem(item.line(), f, "a volume must be a mapping, found " + item.kind());
          continue;
        }
        Map<String, YNode> volumeOnly = new LinkedHashMap<>(v.entries());
        VOLUME_MOUNT_KEYS.forEach(volumeOnly::remove);
        YMap volumeNode = new YMap(v.line(), volumeOnly, v.keyLines());
        Volume volume = typed(volumeNode, f, Volume.class);
        String name = requiredString(v, "name", f);
        String mountPath = requiredString(v, "mountPath", f);
        boolean readOnly = false;
        YNode ro = v.get("readOnly");
        if (ro instanceof YScalar r && r.value() instanceof Boolean b) {
          readOnly = b;
        } else if (ro != null && !isNull(ro)) {
          problem(ro.line(), f + ".readOnly", "must be true or false, found " + ro.kind());
        }
        String subPath = v.get("subPath") instanceof YScalar sp ? sp.asText() : null;
        if (volume != null && name != null && mountPath != null) {
          out.add(new ProfileVolume(volume, mountPath, readOnly, subPath));
        }
      }
      return out;
    }

    private Map<String, ServiceSpec> services(YNode n, String field) {
      Map<String, ServiceSpec> out = new LinkedHashMap<>();
      if (n == null || isNull(n)) {
        return out;
      }
      if (!(n instanceof YMap m)) {
        problem(n.line(), field, "must be a mapping of service name to service, found " + n.kind());
        return out;
      }
      m.entries()
          .forEach(
              (name, node) -> {
                ServiceSpec spec = service(node, field + "." + name);
                if (spec != null) {
                  out.put(name, spec);
                }
              });
      return out;
    }

    private ServiceSpec service(YNode n, String field) {
      if (!(n instanceof YMap s)) {
        problem(n.line(), field, "a service must be a mapping, found " + n.kind());
        return null;
      }
      int before = acc.problems.size();
      for (String key : s.entries().keySet()) {
        if (!SERVICE_KEYS.contains(key)) {
          problem(s.keyLine(key), field + "." + key, unknownKey(key, SERVICE_KEYS));
        }
      }
      List<TemplateRef> refs = new ArrayList<>();
      YNode res = s.get("resources");
      if (res instanceof YList list) {
        for (int i = 0; i < list.items().size(); i++) {
          String f = field + ".resources[" + i + "]";
          YNode item = list.items().get(i);
          if (!(item instanceof YMap r)) {
            problem(item.line(), f, "must be a mapping with name and path, found " + item.kind());
            continue;
          }
          for (String key : r.entries().keySet()) {
            if (!Set.of("name", "path").contains(key)) {
              problem(r.keyLine(key), f + "." + key, unknownKey(key, Set.of("name", "path")));
            }
          }
          String cm = requiredString(r, "name", f);
          String path = requiredString(r, "path", f);
          refs.add(new TemplateRef(cm, path));
        }
      } else if (res != null && !isNull(res)) {
        problem(
            res.line(),
            field + ".resources",
            "must be a list of {name, path}, found " + res.kind());
      }
      String template = null;
      if (s.get("template") != null) {
        template = requiredString(s, "template", field);
      }
      if (refs.isEmpty() && template == null) {
        problem(
            s.line(),
            field,
            "needs either resources (templates in ConfigMaps) or template (an OpenShift Template)");
      } else if (!refs.isEmpty() && template != null) {
        problem(s.line(), field, "has both resources and template; use one");
      }
      Map<String, String> parameters = stringMap(s.get("parameters"), field + ".parameters");
      Map<String, Object> configuration = new LinkedHashMap<>();
      YNode conf = s.get("configuration");
      if (conf instanceof YMap cm) {
        cm.entries().forEach((k, v) -> configuration.put(k, v.plain()));
      } else if (conf != null && !isNull(conf)) {
        problem(conf.line(), field + ".configuration", "must be a mapping, found " + conf.kind());
      }
      Map<String, String> labels = stringMap(s.get("labels"), field + ".labels");
      configuration
          .keySet()
          .forEach(
              key -> {
                if (RESERVED_TEMPLATE_VARIABLES.contains(key)) {
                  problem(
                      ((YMap) conf).keyLine(key),
                      field + ".configuration." + key,
                      "'"
                          + key
                          + "' is set by hubpolicy for every template (reserved: "
                          + String.join(", ", new java.util.TreeSet<>(RESERVED_TEMPLATE_VARIABLES))
                          + "); choose another name");
                }
              });
      Map<String, String> returns = stringMap(s.get("return"), field + ".return");
      if (s.get("return") instanceof YMap rm) {
        returns.forEach(
            (env, path) -> {
              try {
                com.jayway.jsonpath.JsonPath.compile(ReturnPaths.normalize(path));
              } catch (RuntimeException e) {
                problem(
                    rm.keyLine(env),
                    field + ".return." + env,
                    "'" + path + "' is not a JSONPath: " + e.getMessage());
              }
            });
      }
      String lifecycle = null;
      if (s.get("lifecycle") != null) {
        lifecycle = requiredString(s, "lifecycle", field);
        if (lifecycle != null && !LIFECYCLES.contains(lifecycle)) {
          problem(
              s.get("lifecycle").line(),
              field + ".lifecycle",
              "must be one of "
                  + new java.util.TreeSet<>(LIFECYCLES)
                  + ", found '"
                  + lifecycle
                  + "'");
        }
      }
      if (acc.problems.size() != before) {
        return null;
      }
      return new ServiceSpec(refs, template, parameters, configuration, labels, returns, lifecycle);
    }

    private Map<String, String> stringMap(YNode n, String field) {
      Map<String, String> out = new LinkedHashMap<>();
      if (n == null || isNull(n)) {
        return out;
      }
      if (!(n instanceof YMap m)) {
        problem(n.line(), field, "must be a mapping of strings, found " + n.kind());
        return out;
      }
      m.entries()
          .forEach(
              (k, v) -> {
                if (v instanceof YScalar s && !s.isNull()) {
                  out.put(k, s.asText());
                } else {
                  problem(v.line(), field + "." + k, "must be a string, found " + v.kind());
                }
              });
      return out;
    }

    private <T> List<T> typedList(YNode n, String field, Class<T> type) {
      if (n == null || isNull(n)) {
        return List.of();
      }
      if (!(n instanceof YList list)) {
        problem(n.line(), field, "must be a list, found " + n.kind());
        return List.of();
      }
      List<T> out = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        T t = typed(list.items().get(i), field + "[" + i + "]", type);
        if (t != null) {
          out.add(t);
        }
      }
      return out;
    }

    /** Converts a subtree to a fabric8 model class, reporting type errors and unknown keys. */
    private <T> T typed(YNode n, String field, Class<T> type) {
      if (n == null || isNull(n)) {
        return null;
      }
      if (!(n instanceof YMap)) {
        problem(
            n.line(), field, "must be a mapping (" + type.getSimpleName() + "), found " + n.kind());
        return null;
      }
      T value;
      try {
        value = KubeJson.SERIALIZATION.convertValue(n.plain(), type);
      } catch (RuntimeException e) {
        problem(
            n.line(),
            field,
            "is not a valid " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
        return null;
      }
      List<UnknownFields.Unknown> unknown = UnknownFields.find(value);
      for (UnknownFields.Unknown u : unknown) {
        YNode at = n;
        StringBuilder path = new StringBuilder(field);
        for (Object seg : u.path()) {
          path.append(seg instanceof Integer i ? "[" + i + "]" : "." + seg);
          at = step(at, seg);
        }
        int line = at instanceof YMap m ? m.keyLine(u.key()) : n.line();
        problem(
            line,
            path + "." + u.key(),
            "unknown key '" + u.key() + "' for " + type.getSimpleName());
      }
      return unknown.isEmpty() ? value : null;
    }

    private YNode step(YNode at, Object seg) {
      if (at instanceof YMap m && seg instanceof String s && m.get(s) != null) {
        return m.get(s);
      }
      if (at instanceof YList l && seg instanceof Integer i && i < l.items().size()) {
        return l.items().get(i);
      }
      return at;
    }
  }

  private static boolean isNull(YNode n) {
    return n instanceof YScalar s && s.isNull();
  }

  private static String unknownKey(String key, Set<String> known) {
    return "unknown key '"
        + key
        + "' (known keys: "
        + String.join(", ", new TreeMap<>(toMap(known)).keySet())
        + ")";
  }

  private static Map<String, Boolean> toMap(Set<String> keys) {
    Map<String, Boolean> m = new LinkedHashMap<>();
    keys.forEach(k -> m.put(k, true));
    return m;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
