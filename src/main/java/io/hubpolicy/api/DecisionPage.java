package io.hubpolicy.api;

import java.util.List;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * One page of a {@link DecisionQuery}'s answer: audit records newest first, each exactly as the
 * audit log holds it (one JSON object), and the cursor of the next page or null at the end.
 */
public record DecisionPage(List<String> records, DecisionQuery.Cursor next) {
  public DecisionPage {
    records = List.copyOf(records);
  }

  /**
   * {@code {"decisions":[RECORD…],"next":"…"|null}}: the records are spliced in as they are stored
   * (they are JSON objects already), not parsed and written again.
   */
  public String json() {
    StringBuilder b = new StringBuilder(64 + records.stream().mapToInt(String::length).sum());
    b.append("{\"decisions\":[");
    for (int i = 0; i < records.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(records.get(i));
    }
    b.append("],\"next\":");
    b.append(
        next == null
            ? "null"
            : DecisionJson.compact(JsonNodeFactory.instance.stringNode(next.encode())));
    return b.append('}').toString();
  }
}
