package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Size;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configured sizes with a verdict each, in configuration order, for {@code GET /v1/sizes}.
 * Reads only the node snapshot, so it is cheap enough to call per request.
 */
public final class SizeCatalog {
  private final NodeSource nodes;
  private final Schedulability schedulability;

  public SizeCatalog(NodeSource nodes) {
    this(nodes, Schedulability.DEFAULT_HEADROOM);
  }

  public SizeCatalog(NodeSource nodes, double headroom) {
    this.nodes = Objects.requireNonNull(nodes, "nodes; use NodeSource.NONE without a cluster");
    this.schedulability = new Schedulability(headroom);
  }

  /** Takes the configuration per call because it is reloaded when its ConfigMaps change. */
  public List<SizeView> sizes(PolicyConfig config) {
    List<NodeCapacity> snapshot = nodes.nodes();
    String unknown = unknownReason();
    List<SizeView> out = new ArrayList<>();
    for (Size size : config.sizesByName().values()) {
      out.add(view(size, snapshot, unknown));
    }
    return List.copyOf(out);
  }

  private SizeView view(Size size, List<NodeCapacity> snapshot, String unknown) {
    Map<String, String> resources = new LinkedHashMap<>();
    size.resources().forEach((k, q) -> resources.put(k, text(q)));
    Verdict verdict = schedulability.check(size, snapshot);
    // A size that cannot be judged says so even without a cluster: that is the admin's to fix
    // either way. Any other verdict needs the nodes, which are not known yet.
    if (unknown != null && verdict.status() != Verdict.Status.INCOMPLETE) {
      verdict = Verdict.unknown(unknown);
    }
    return new SizeView(size.name(), resources, verdict);
  }

  private String unknownReason() {
    if (!nodes.hasCluster()) {
      return "no cluster (file mode): schedulability is not checked";
    }
    if (!nodes.synced()) {
      return "the node watch has not synced yet";
    }
    return null;
  }

  private static String text(Quantity q) {
    return q == null
        ? ""
        : Objects.toString(q.getAmount(), "") + Objects.toString(q.getFormat(), "");
  }
}
