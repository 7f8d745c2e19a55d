package io.hubpolicy.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One size as the sizes endpoint shows it: its resources as written, and its verdict. */
public record SizeView(String name, Map<String, String> resources, Verdict verdict) {
  public SizeView {
    resources = Collections.unmodifiableMap(new LinkedHashMap<>(resources));
  }
}
