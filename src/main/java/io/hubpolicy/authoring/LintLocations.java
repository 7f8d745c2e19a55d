package io.hubpolicy.authoring;

import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.format.YamlReader;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SourceRef;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ProfileLoader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Where a part of a profile or size is written: file, line and field path in the document's terms
 * ({@code profiles[3].env[1]}), as {@code validate} names them. The model keeps only each profile's
 * own line, so a file is read again (with the loader's unwrapping of ConfigMaps) the first time a
 * finding needs a line in it; files without findings are never read twice.
 */
final class LintLocations {
  /** A place in a file. */
  record Location(String file, int line, String field) {}

  /** A profile's or size's mapping, its path, and how its lines map to the outer file's. */
  private record Entry(String path, YMap map, IntUnaryOperator lines) {
    int line(int inner) {
      return lines.applyAsInt(inner);
    }
  }

  private final Map<String, ConfigSource> sources = new LinkedHashMap<>();
  private final Map<String, Boolean> parsed = new HashMap<>();
  private final Map<String, List<Entry>> profiles = new HashMap<>();
  private final Map<String, List<Entry>> sizes = new HashMap<>();

  LintLocations(List<ConfigSource> sources) {
    sources.forEach(s -> this.sources.put(s.name(), s));
  }

  /** The file a source name is in: a ConfigMap's key is named after the file that holds it. */
  static String fileOf(String source) {
    int i = source.indexOf(" (ConfigMap ");
    return i < 0 ? source : source.substring(0, i);
  }

  // ------------------------------------------------------------------ profiles

  Location profile(Profile p) {
    Entry e = entry(profiles, p.source(), p.name());
    return e == null ? fallback(p, "") : new Location(file(p), e.line(e.map().line()), e.path());
  }

  /** The {@code index}-th variable of the profile (its position in {@link Profile#env()}). */
  Location env(Profile p, int index) {
    String name = p.env().get(index).getName();
    Entry e = entry(profiles, p.source(), p.name());
    if (e != null) {
      YNode env = e.map().get("env");
      if (env instanceof YList list && index < list.items().size()) {
        YNode item = list.items().get(index);
        return new Location(file(p), e.line(item.line()), e.path() + ".env[" + index + "]");
      }
      if (env instanceof YMap legacy) {
        return new Location(file(p), e.line(legacy.keyLine(name)), e.path() + ".env." + name);
      }
    }
    return fallback(p, ".env " + name);
  }

  /** A resource key such as {@code limits.memory}, or the classic key it was read from. */
  Location resource(Profile p, String key) {
    Entry e = entry(profiles, p.source(), p.name());
    int dot = key.indexOf('.');
    String kind = key.substring(0, dot);
    String res = key.substring(dot + 1);
    if (e != null && e.map().get("resources") instanceof YMap r) {
      if (r.get(kind) instanceof YMap km) {
        return new Location(
            file(p), e.line(km.keyLine(res)), e.path() + ".resources." + kind + "." + res);
      }
      String classic = res.equals("memory") ? "mem_limit" : res.equals("cpu") ? "cpu_limit" : null;
      if (classic != null && r.get(classic) != null) {
        return new Location(
            file(p), e.line(r.keyLine(classic)), e.path() + ".resources." + classic);
      }
    }
    return fallback(p, ".resources." + key);
  }

  /** A top-level key of the profile ({@code gpu}, {@code images}, {@code users}…). */
  Location key(Profile p, String key) {
    Entry e = entry(profiles, p.source(), p.name());
    return e == null
        ? fallback(p, "." + key)
        : new Location(file(p), e.line(e.map().keyLine(key)), e.path() + "." + key);
  }

  /** A key of a mapping under the profile: {@code services.spark}, {@code node_affinity.…}. */
  Location subKey(Profile p, String parent, String key) {
    Entry e = entry(profiles, p.source(), p.name());
    if (e != null && e.map().get(parent) instanceof YMap m) {
      return new Location(file(p), e.line(m.keyLine(key)), e.path() + "." + parent + "." + key);
    }
    return fallback(p, "." + parent + "." + key);
  }

  /** The {@code index}-th item of a list under the profile ({@code volumes}, {@code images}). */
  Location item(Profile p, String list, int index) {
    Entry e = entry(profiles, p.source(), p.name());
    if (e != null && e.map().get(list) instanceof YList l && index < l.items().size()) {
      return new Location(
          file(p), e.line(l.items().get(index).line()), e.path() + "." + list + "[" + index + "]");
    }
    return fallback(p, "." + list + "[" + index + "]");
  }

  private Location fallback(Profile p, String rest) {
    return new Location(file(p), p.source().line(), "profile '" + p.name() + "'" + rest);
  }

  private static String file(Profile p) {
    return fileOf(p.source().source());
  }

  // ------------------------------------------------------------------ sizes

  Location size(Size s) {
    Entry e = entry(sizes, s.source(), s.name());
    String file = fileOf(s.source().source());
    return e == null
        ? new Location(file, s.source().line(), "size '" + s.name() + "'")
        : new Location(file, e.line(e.map().line()), e.path());
  }

  // ------------------------------------------------------------------ reading

  private Entry entry(Map<String, List<Entry>> index, SourceRef ref, String name) {
    parse(fileOf(ref.source()));
    List<Entry> at = index.get(ref.source() + "\0" + ref.line());
    if (at == null) {
      return null;
    }
    for (Entry e : at) {
      if (e.map().get("name") instanceof YScalar n && name.equals(n.asText())) {
        return e;
      }
    }
    return null;
  }

  private void parse(String file) {
    if (parsed.putIfAbsent(file, true) != null) {
      return;
    }
    ConfigSource s = sources.get(file);
    if (s == null) {
      return;
    }
    List<Problem> ignored = new ArrayList<>();
    for (YNode doc : YamlReader.readAll(s.text(), s.name(), s.lineOffset(), ignored)) {
      document(s.name(), doc, IntUnaryOperator.identity(), true);
    }
  }

  private void document(String source, YNode doc, IntUnaryOperator lines, boolean outer) {
    if (doc instanceof YList list) {
      entries(profiles, source, list, "", lines);
      return;
    }
    if (!(doc instanceof YMap map)) {
      return;
    }
    YNode kind = map.get("kind");
    if (kind == null) {
      if (map.get("profiles") instanceof YList list) {
        entries(profiles, source, list, "profiles", lines);
      }
      if (map.get("sizes") instanceof YList list) {
        entries(sizes, source, list, "sizes", lines);
      }
      return;
    }
    if (outer
        && kind instanceof YScalar k
        && "ConfigMap".equals(k.asText())
        && map.get("data") instanceof YMap data
        && data.get(ProfileLoader.DEFAULT_DATA_KEY) instanceof YScalar text
        && text.value() instanceof String inner) {
      String name =
          map.get("metadata") instanceof YMap meta && meta.get("name") instanceof YScalar n
              ? n.asText()
              : "<unnamed>";
      String innerSource =
          source + " (ConfigMap " + name + ", key " + ProfileLoader.DEFAULT_DATA_KEY + ")";
      List<Problem> ignored = new ArrayList<>();
      // As the loader reads it: a block scalar's lines are the file's; any other value's
      // problems are reported at the value's own line.
      IntUnaryOperator innerLines = text.block() ? IntUnaryOperator.identity() : any -> text.line();
      for (YNode d :
          YamlReader.readAll(inner, innerSource, text.block() ? text.line() : 0, ignored)) {
        document(innerSource, d, innerLines, false);
      }
    }
  }

  private static void entries(
      Map<String, List<Entry>> index,
      String source,
      YList list,
      String prefix,
      IntUnaryOperator lines) {
    for (int i = 0; i < list.items().size(); i++) {
      if (list.items().get(i) instanceof YMap m) {
        index
            .computeIfAbsent(source + "\0" + m.line(), k -> new ArrayList<>(1))
            .add(new Entry(prefix + "[" + i + "]", m, lines));
      }
    }
  }
}
