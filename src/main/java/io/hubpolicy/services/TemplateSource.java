package io.hubpolicy.services;

import io.hubpolicy.model.ServiceTemplates;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where service templates are read from: the cluster's ConfigMaps and Templates, or those that came
 * with the configuration files. Reads are from memory after the first; a decision never waits on
 * the API server for a template it has seen.
 */
public interface TemplateSource {

  /** The keys of ConfigMap {@code name}, each a template text, or empty when there is none. */
  Optional<Map<String, ServiceTemplates.Text>> configMap(String name);

  /** The OpenShift Template {@code name} as JSON or YAML text, or empty. */
  Optional<ServiceTemplates.Text> openShiftTemplate(String name);

  /** No templates at all: what the cluster offers in file mode. */
  TemplateSource NONE = configured(ServiceTemplates::none);

  /** Templates that came with the configuration (the current rule base's). */
  static TemplateSource configured(Supplier<ServiceTemplates> templates) {
    return new TemplateSource() {
      @Override
      public Optional<Map<String, ServiceTemplates.Text>> configMap(String name) {
        return Optional.ofNullable(templates.get().configMaps().get(name));
      }

      @Override
      public Optional<ServiceTemplates.Text> openShiftTemplate(String name) {
        return templates.get().openShiftTemplate(name);
      }
    };
  }

  /** This source, and where it has nothing, {@code fallback}. */
  default TemplateSource orElse(TemplateSource fallback) {
    TemplateSource first = this;
    return new TemplateSource() {
      @Override
      public Optional<Map<String, ServiceTemplates.Text>> configMap(String name) {
        return first.configMap(name).or(() -> fallback.configMap(name));
      }

      @Override
      public Optional<ServiceTemplates.Text> openShiftTemplate(String name) {
        return first.openShiftTemplate(name).or(() -> fallback.openShiftTemplate(name));
      }
    };
  }
}
