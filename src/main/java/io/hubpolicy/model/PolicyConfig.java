package io.hubpolicy.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything loaded from the profile sources, in configuration order. {@code sources} names what it
 * was built from (files or ConfigMaps) and {@code notes} what was skipped and why; {@code images}
 * which images users may choose.
 */
public record PolicyConfig(
    List<Profile> profiles,
    List<Size> sizes,
    List<GpuType> gpuTypes,
    Map<String, Object> ui,
    List<String> sources,
    List<String> notes,
    ServiceTemplates templates,
    ImageChoices images,
    List<RuleException> exceptions) {
  public PolicyConfig {
    exceptions = exceptions == null ? List.of() : List.copyOf(exceptions);
    profiles = List.copyOf(profiles);
    sizes = List.copyOf(sizes);
    gpuTypes = List.copyOf(gpuTypes);
    ui = Collections.unmodifiableMap(new LinkedHashMap<>(ui));
    sources = List.copyOf(sources);
    notes = List.copyOf(notes);
    templates = templates == null ? ServiceTemplates.none() : templates;
    images = images == null ? ImageChoices.ANY : images;
  }

  public PolicyConfig(
      List<Profile> profiles,
      List<Size> sizes,
      List<GpuType> gpuTypes,
      Map<String, Object> ui,
      List<String> sources,
      List<String> notes,
      ServiceTemplates templates) {
    this(profiles, sizes, gpuTypes, ui, sources, notes, templates, ImageChoices.ANY, List.of());
  }

  public PolicyConfig(
      List<Profile> profiles,
      List<Size> sizes,
      List<GpuType> gpuTypes,
      Map<String, Object> ui,
      List<String> sources,
      List<String> notes,
      ServiceTemplates templates,
      ImageChoices images) {
    this(profiles, sizes, gpuTypes, ui, sources, notes, templates, images, List.of());
  }

  public PolicyConfig(
      List<Profile> profiles,
      List<Size> sizes,
      List<GpuType> gpuTypes,
      Map<String, Object> ui,
      List<String> sources,
      List<String> notes) {
    this(profiles, sizes, gpuTypes, ui, sources, notes, ServiceTemplates.none());
  }

  /** Sizes by name; where two share a name the later one wins, as everywhere else. */
  public Map<String, Size> sizesByName() {
    Map<String, Size> byName = new LinkedHashMap<>();
    for (Size s : sizes) {
      byName.remove(s.name());
      byName.put(s.name(), s);
    }
    return byName;
  }

  public static PolicyConfig empty() {
    return new PolicyConfig(List.of(), List.of(), List.of(), Map.of(), List.of(), List.of());
  }
}
