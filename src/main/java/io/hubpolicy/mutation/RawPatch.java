package io.hubpolicy.mutation;

import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A patch against an object exactly as someone else wrote it, for a change made on our model of it.
 *
 * <p>The mutation works on fabric8's {@code Pod}, and reading the API server's JSON into it and
 * writing it out again is not the identity: a {@code "creationTimestamp": null} or an empty {@code
 * nodeSelector} disappears, an int comes back as a long, and a field newer than the model survives
 * only as an extra property. A patch between two re-serialised copies is correct for those copies;
 * the API server applies it to its own object. So the change is replayed onto the raw object (a
 * three-way merge: where the model's before and after agree, the raw value stays as it was) and the
 * patch is taken from the raw object to that, which applies to it by construction and touches
 * nothing the mutation did not change.
 */
final class RawPatch {
  private RawPatch() {}

  /**
   * @param raw the object as sent
   * @param before {@code raw} read into the model and written out again
   * @param after the model after the mutation, written out
   * @return an RFC 6902 patch (add, remove, replace only) from {@code raw} to the mutated object
   */
  static JsonNode between(JsonNode raw, JsonNode before, JsonNode after) {
    return JsonDiff.asJson(
        raw, merge(raw, before, after), DiffFlags.dontNormalizeOpIntoMoveAndCopy());
  }

  /** {@code raw} with the change from {@code before} to {@code after} applied. */
  static JsonNode merge(JsonNode raw, JsonNode before, JsonNode after) {
    if (before.equals(after)) {
      return raw;
    }
    if (raw.isObject() && before.isObject() && after.isObject()) {
      ObjectNode out = (ObjectNode) raw.deepCopy();
      for (String name : before.propertyNames()) {
        if (!after.has(name)) {
          out.remove(name);
        }
      }
      for (String name : after.propertyNames()) {
        out.set(
            name,
            raw.has(name) && before.has(name)
                ? merge(raw.get(name), before.get(name), after.get(name))
                : after.get(name));
      }
      return out;
    }
    // Elements correspond by index only if the model kept every one of them; the mutation only
    // replaces elements in place or appends, so a shorter or longer "after" is still aligned.
    if (raw.isArray() && before.isArray() && after.isArray() && raw.size() == before.size()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < after.size(); i++) {
        out.add(i < before.size() ? merge(raw.get(i), before.get(i), after.get(i)) : after.get(i));
      }
      return out;
    }
    return after;
  }
}
