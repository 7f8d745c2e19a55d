package io.hubpolicy.api;

import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.Problem;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/config}: what serves now, what it was built from, and the last refused change. */
final class ConfigView {
  private ConfigView() {}

  static ObjectNode json(RuleBase rb, PolicyReloader.Status st) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("revision", rb.revision());
    o.put("builtAt", rb.builtAt().toString());
    o.put("profiles", rb.config().profiles().size());
    o.putPOJO("sizes", rb.sizes().keySet());
    o.putPOJO("profileSources", rb.config().sources());
    o.putPOJO("ruleSources", rb.ruleSources());
    ArrayNode from = o.putArray("loadedFrom");
    st.from().forEach(v -> from.addObject().put("source", v.source()).put("version", v.version()));
    o.put("appliedAt", st.appliedAt() == null ? null : st.appliedAt().toString());
    o.putPOJO("notes", st.notes());
    ObjectNode counts = o.putObject("reloads");
    counts.put("applied", st.applied());
    counts.put("rejected", st.rejected());
    PolicyReloader.Rejected rej = st.lastRejected();
    if (rej == null) {
      o.putNull("lastRejected");
      return o;
    }
    ObjectNode r = o.putObject("lastRejected");
    r.put("at", rej.at().toString());
    r.put("revision", rej.revision());
    ArrayNode rf = r.putArray("from");
    rej.from().forEach(v -> rf.addObject().put("source", v.source()).put("version", v.version()));
    ArrayNode problems = r.putArray("problems");
    for (Problem p : rej.problems()) {
      problems
          .addObject()
          .put("source", p.source())
          .put("line", p.line())
          .put("field", p.field())
          .put("message", p.message())
          .put("text", p.toString());
    }
    return o;
  }
}
