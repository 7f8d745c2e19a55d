package io.hubpolicy.profiles;

import io.hubpolicy.model.GpuType;
import io.hubpolicy.model.ImageChoices;
import io.hubpolicy.model.ImageOffer;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.ServiceTemplates;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.UnlistedImages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the sources of one read have given so far, in configuration order. */
final class Loaded {
  final ArrayList<Profile> profiles = new ArrayList<>();
  final List<Size> sizes = new ArrayList<>();
  final List<GpuType> gpuTypes = new ArrayList<>();
  final Map<String, Object> ui = new LinkedHashMap<>();
  final List<String> sources = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  final List<Problem> problems = new ArrayList<>();
  final Map<String, Map<String, ServiceTemplates.Text>> configMapTemplates = new LinkedHashMap<>();
  final Map<String, ServiceTemplates.Text> openShiftTemplates = new LinkedHashMap<>();
  final List<ImageOffer> images = new ArrayList<>();
  final List<io.hubpolicy.model.RuleException> exceptions = new ArrayList<>();
  UnlistedImages unlisted;

  PolicyConfig config() {
    return new PolicyConfig(
        profiles,
        sizes,
        gpuTypes,
        ui,
        sources,
        notes,
        new ServiceTemplates(configMapTemplates, openShiftTemplates),
        new ImageChoices(images, unlisted),
        exceptions);
  }
}
