package io.hubpolicy.catalog;

import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.NotebookImage;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Images from ImageStreams when there is a cluster that has them, else from the profiles; sizes
 * from the configuration, judged against the watched Nodes (unknown without a cluster).
 */
public final class ConfiguredCatalogs implements Catalogs {
  private final ImageSource images;
  private final SizeCatalog sizes;

  /**
   * @param images {@link ImageSource#PROFILES} without a cluster
   */
  public ConfiguredCatalogs(ImageSource images, SizeCatalog sizes) {
    this.images = images;
    this.sizes = sizes;
  }

  private Catalog catalog(RuleBase rb) {
    return images.current(rb.config());
  }

  @Override
  public ObjectNode images(RuleBase rb) {
    return json(catalog(rb));
  }

  @Override
  public ObjectNode images(RuleBase rb, String user, List<String> groups) {
    return json(NotebookImages.forUser(catalog(rb), rb.config().images(), user, groups));
  }

  private static ObjectNode json(Catalog c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("source", c.source());
    o.put("default", c.defaultImage().map(NotebookImage::name).orElse(null));
    ArrayNode list = o.putArray("images");
    for (NotebookImage i : c.images()) {
      ObjectNode n = list.addObject();
      n.put("name", i.name());
      n.put("displayName", i.displayName());
      n.put("description", i.description());
      n.put("url", i.url());
      if (i.ordered()) {
        n.put("order", i.order());
      } else {
        n.putNull("order");
      }
      n.put("default", i.isDefault());
      n.put("pullSpec", i.pullSpec());
      n.set("software", nameVersions(i.software()));
      n.set("dependencies", nameVersions(i.dependencies()));
    }
    ArrayNode w = o.putArray("warnings");
    c.warnings().forEach(w::add);
    return o;
  }

  private static ArrayNode nameVersions(java.util.List<NotebookImage.NameVersion> list) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    list.forEach(nv -> a.addObject().put("name", nv.name()).put("version", nv.version()));
    return a;
  }

  @Override
  public Set<String> imageNames(RuleBase rb, String user, List<String> groups) {
    Set<String> names = new LinkedHashSet<>();
    NotebookImages.forUser(catalog(rb), rb.config().images(), user, groups)
        .images()
        .forEach(i -> names.add(i.name()));
    return names;
  }

  @Override
  public ArrayNode sizes(RuleBase rb) {
    return json(sizes.sizes(rb.config()));
  }

  @Override
  public ArrayNode sizes(RuleBase rb, String user, List<String> groups) {
    return json(
        sizes.sizes(rb.config()).stream()
            .filter(v -> rb.sizes().get(v.name()).audience().includes(user, groups))
            .toList());
  }

  private static ArrayNode json(List<SizeView> views) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (SizeView s : views) {
      ObjectNode n = a.addObject();
      n.put("name", s.name());
      ObjectNode r = n.putObject("resources");
      s.resources().forEach(r::put);
      n.put("schedulable", s.verdict().status().name().toLowerCase(java.util.Locale.ROOT));
      n.put("reason", s.verdict().reason());
      n.put("fittingNode", s.verdict().fittingNode());
    }
    return a;
  }
}
