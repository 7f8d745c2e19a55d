package io.hubpolicy.model;

/** A service template: the text under key {@code path} of the ConfigMap {@code name}. */
public record TemplateRef(String name, String path) {}
