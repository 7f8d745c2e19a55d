package io.hubpolicy.catalog;

import static io.hubpolicy.catalog.SchedulabilityTest.size;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.catalog.Verdict.Status;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Size;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SizeCatalogTest {
  @Test
  void withoutAClusterEverySizeIsUnknown() {
    NodeSource none = NodeSource.NONE;
    assertFalse(none.hasCluster());
    assertFalse(none.synced());
    Size small = size("requests.cpu", "1");
    PolicyConfig config =
        new PolicyConfig(
            List.of(),
            List.of(new Size("Small", small.resources(), small.source())),
            List.of(),
            Map.of(),
            List.of(),
            List.of());
    SizeView v = new SizeCatalog(none).sizes(config).get(0);
    assertEquals(Status.UNKNOWN, v.verdict().status());
    assertTrue(v.verdict().reason().contains("no cluster"), v.verdict().reason());
  }
}
