package io.hubpolicy.profiles;

import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.ServiceTemplates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unwraps what a configuration arrives in: a plain document, a file of several, a legacy top-level
 * list, a ConfigMap manifest holding the document under its data key (problems then point at the
 * outer file's lines), or a service template (a ConfigMap without that key, an OpenShift Template),
 * which is kept for the launcher rather than read as profiles.
 */
final class Containers {
  private final String dataKey;
  private final Loaded acc;

  private final ProfileChunks chunks;

  Containers(String dataKey, Loaded acc, ProfileChunks chunks) {
    this.dataKey = dataKey;
    this.acc = acc;
    this.chunks = chunks;
  }

  void read(ConfigSource src) {
    acc.sources.add(src.name());
    if (readApart(src)) {
      return;
    }
    StrictReader in = new StrictReader(src.name(), acc.problems);
    int before = acc.problems.size();
    List<YNode> docs = YamlReader.readAll(src.text(), src.name(), src.lineOffset(), acc.problems);
    if (acc.problems.size() == before && isEmpty(docs)) {
      in.problem(src.lineOffset() + 1, "", EMPTY);
    }
    for (YNode doc : docs) {
      document(in, doc);
    }
  }

  /**
   * A plain document read as its profiles apart from the rest ({@link ProfileChunks}), reusing the
   * profiles whose text has not changed; false when it is not of that shape or not clean YAML (then
   * nothing was added and it is read whole).
   */
  private boolean readApart(ConfigSource src) {
    if (chunks == null) {
      return false;
    }
    ProfileChunks.Split split = ProfileChunks.split(src.text());
    if (split == null) {
      return false;
    }
    List<Problem> syntax = new ArrayList<>();
    List<YNode> docs = YamlReader.readAll(split.rest(), src.name(), src.lineOffset(), syntax);
    if (!syntax.isEmpty()
        || docs.size() != 1
        || !(docs.get(0) instanceof YMap map)
        || map.get("kind") != null
        || !StrictReader.isNull(map.get("profiles"))) {
      return false;
    }
    List<ProfileChunks.Read> reads =
        chunks.read(src.name(), src.lineOffset(), split.chunks(), "profiles");
    if (reads == null) {
      return false;
    }
    DocumentSchema.read(
        new StrictReader(src.name(), acc.problems),
        map,
        acc,
        () -> {
          // With a problem the profiles after it move up, but only until the problem is fixed:
          // their moved copies are not kept for the next read. A problem in an earlier source
          // moves this one's too (a ConfigMap's invalid edit moved every later ConfigMap's
          // profiles twice, there and back, and each move made a new profile, matcher and index
          // entry for 10,000 profiles: the slow requests of ConfigMap reloads, BENCHMARKS.md §3).
          boolean clean =
              acc.problems.isEmpty() && reads.stream().allMatch(r -> r.profile() != null);
          acc.profiles.ensureCapacity(acc.profiles.size() + reads.size());
          for (ProfileChunks.Read r : reads) {
            if (r.profile() != null) {
              int order = acc.profiles.size();
              acc.profiles.add(clean ? chunks.placed(r, order) : r.profile().withOrder(order));
            } else {
              acc.problems.addAll(r.problems());
            }
          }
        });
    return true;
  }

  private void document(StrictReader in, YNode doc) {
    if (doc instanceof YList list) {
      DocumentSchema.profiles(in, list, "", acc);
      return;
    }
    if (!(doc instanceof YMap map)) {
      if (!StrictReader.isNull(doc)) {
        in.problem(
            doc.line(), "", "expected a profile configuration or a ConfigMap, found " + doc.kind());
      }
      return;
    }
    YNode kind = map.get("kind");
    if (kind == null) {
      DocumentSchema.read(in, map, acc);
      return;
    }
    String k = kind instanceof YScalar ks ? ks.asText() : "";
    switch (k) {
      case "ConfigMap" -> configMap(in, map);
      case "Template" -> template(in, map);
      default ->
          in.problem(
              kind.line(),
              "kind",
              "unsupported kind '"
                  + k
                  + "': expected a ConfigMap, an OpenShift Template or a profile configuration");
    }
  }

  /**
   * Why an empty source is refused rather than read as "no profiles": a file caught mid-write, or a
   * ConfigMap key emptied by mistake, looks exactly like this, and taking it would make every
   * request naming a size fail until someone notices.
   */
  static final String EMPTY =
      "is empty: refused, since a file caught mid-write looks the same (a configuration without"
          + " profiles says so: profiles: [])";

  /** No document, or only empty ones ({@code ---} alone, comments). */
  private static boolean isEmpty(List<YNode> docs) {
    return docs.stream().allMatch(StrictReader::isNull);
  }

  private static String metadataName(YMap map) {
    if (map.get("metadata") instanceof YMap meta && meta.get("name") instanceof YScalar n) {
      return n.asText();
    }
    return "<unnamed>";
  }

  private void configMap(StrictReader in, YMap cm) {
    String name = metadataName(cm);
    YNode data = cm.get("data");
    if (StrictReader.isNull(data)) {
      acc.notes.add(in.source() + ": ConfigMap '" + name + "' has no data, skipped");
      return;
    }
    if (!(data instanceof YMap dataMap)) {
      in.problem(data.line(), "data", "must be a mapping, found " + data.kind());
      return;
    }
    YNode value = dataMap.get(dataKey);
    if (value == null) {
      templates(in, name, dataMap);
      return;
    }
    if (!(value instanceof YScalar text) || !(text.value() instanceof String s)) {
      in.problem(
          value.line(), "data." + dataKey, "must be a string holding YAML, found " + value.kind());
      return;
    }
    // Lines inside a block scalar start on the line after its indicator. A quoted or plain value
    // (JSON manifests) has no such mapping: its problems are reported at the value's own line.
    StrictReader inner =
        in.withSource(in.source() + " (ConfigMap " + name + ", key " + dataKey + ")");
    int before = acc.problems.size();
    List<YNode> docs =
        YamlReader.readAll(s, inner.source(), text.block() ? text.line() : 0, acc.problems);
    if (acc.problems.size() == before && isEmpty(docs)) {
      inner.problem(text.block() ? text.line() + 1 : text.line(), "", EMPTY);
    }
    for (YNode doc : docs) {
      if (doc instanceof YMap im && im.get("kind") != null) {
        inner.problem(
            doc.line(),
            "kind",
            "a ConfigMap's profile key must hold a profile configuration, not a manifest");
      } else {
        document(inner, doc);
      }
    }
    if (!text.block()) {
      List<Problem> found = acc.problems.subList(before, acc.problems.size());
      found.replaceAll(p -> new Problem(p.source(), text.line(), p.field(), p.message()));
    }
  }

  /** A ConfigMap without the profile key: each string key is a service template. */
  private void templates(StrictReader in, String name, YMap dataMap) {
    acc.notes.add(
        in.source()
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
                        in.source() + ": ConfigMap " + name + ", key " + key, text));
              }
            });
    acc.configMapTemplates.put(name, keys);
  }

  private void template(StrictReader in, YMap t) {
    String name = metadataName(t);
    if (!(t.get("objects") instanceof YList)) {
      in.problem(t.line(), "objects", "an OpenShift Template needs a list of objects");
      return;
    }
    YNode params = t.get("parameters");
    if (params != null && !(params instanceof YList)) {
      in.problem(params.line(), "parameters", "must be a list, found " + params.kind());
    } else if (params instanceof YList pl) {
      for (int i = 0; i < pl.items().size(); i++) {
        YNode p = pl.items().get(i);
        if (!(p instanceof YMap pm) || !(pm.get("name") instanceof YScalar)) {
          in.problem(p.line(), "parameters[" + i + "]", "a parameter needs a name");
        }
      }
    }
    acc.openShiftTemplates.put(
        name,
        new ServiceTemplates.Text(
            in.source() + ": Template " + name, KubeJson.SERIALIZATION.asJson(t.plain())));
    acc.notes.add(
        in.source()
            + ": OpenShift Template '"
            + name
            + "' is a service template (used by services' 'template:'), not profiles");
  }
}
