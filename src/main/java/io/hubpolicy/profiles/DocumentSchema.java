package io.hubpolicy.profiles;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import java.util.Set;

/**
 * One configuration document: {@code profiles}, {@code sizes}, {@code gpuTypes}, {@code images}
 * (appended across sources, in order), {@code unlistedImages} (the last one read wins) and {@code
 * ui} (merged per top-level key, as the old system did); {@code exceptions} to policy rules.
 */
final class DocumentSchema {
  static final Set<String> KEYS =
      Set.of("profiles", "sizes", "gpuTypes", "images", "unlistedImages", "ui", "exceptions");

  private DocumentSchema() {}

  static void read(StrictReader in, YMap doc, Loaded acc) {
    read(in, doc, acc, null);
  }

  /**
   * As {@link #read(StrictReader, YMap, Loaded)}; when the document's profiles were read apart
   * ({@link ProfileChunks}), {@code profilesReadApart} adds them where the profiles are read.
   */
  static void read(StrictReader in, YMap doc, Loaded acc, Runnable profilesReadApart) {
    in.unknownKeys(doc, "", KEYS);
    if (list(in, doc, "profiles") instanceof YList list) {
      profiles(in, list, "profiles", acc);
    } else if (profilesReadApart != null) {
      profilesReadApart.run();
    }
    if (list(in, doc, "sizes") instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        SizeSchema.read(in, list.items().get(i), "sizes[" + i + "]", acc);
      }
    }
    if (list(in, doc, "gpuTypes") instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        GpuTypeSchema.read(in, list.items().get(i), "gpuTypes[" + i + "]", acc);
      }
    }
    if (list(in, doc, "images") instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        ImagesSchema.offer(in, list.items().get(i), "images[" + i + "]", acc);
      }
    }
    if (list(in, doc, "exceptions") instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        ExceptionSchema.read(in, list.items().get(i), "exceptions[" + i + "]", acc);
      }
    }
    YNode unlisted = doc.get("unlistedImages");
    if (!StrictReader.isNull(unlisted)) {
      ImagesSchema.unlisted(in, unlisted, "unlistedImages", acc);
    }
    YNode ui = doc.get("ui");
    if (ui instanceof YMap m) {
      m.entries().forEach((k, v) -> acc.ui.put(k, v.plain()));
    } else if (!StrictReader.isNull(ui)) {
      in.problem(ui.line(), "ui", "must be a mapping, found " + ui.kind());
    }
  }

  /** A list of profiles, at the top of a legacy document ({@code prefix} empty) or under a key. */
  static void profiles(StrictReader in, YList list, String prefix, Loaded acc) {
    for (int i = 0; i < list.items().size(); i++) {
      ProfileSchema.read(in, list.items().get(i), prefix + "[" + i + "]", acc);
    }
  }

  private static YNode list(StrictReader in, YMap doc, String key) {
    YNode n = doc.get(key);
    if (n != null && !(n instanceof YList) && !StrictReader.isNull(n)) {
      in.problem(n.line(), key, "must be a list, found " + n.kind());
    }
    return n;
  }
}
