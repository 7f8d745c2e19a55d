package io.hubpolicy.mutation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The patch is replayed onto the object as sent. "before" plays fabric8's rewriting of "raw",
 * "after" the mutated model; each case is one way the two serialisations part.
 */
class RawPatchTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  static JsonNode json(String text) {
    return JSON.readTree(text.replace('\'', '"'));
  }

  /** Applies the patch to raw and checks the outcome; returns the patch. */
  static JsonNode assertPatched(String raw, String before, String after, String expected) {
    JsonNode patch = RawPatch.between(json(raw), json(before), json(after));
    assertEquals(json(expected), JsonPatch.apply(patch, json(raw)), "patch " + patch);
    return patch;
  }

  @Test
  void whatTheMutationLeftAloneStaysAsSentEvenWhereTheModelWritesItDifferently() {
    JsonNode patch =
        assertPatched(
            "{'metadata': {'creationTimestamp': null, 'labels': {'a': '1'}}, 'n': 1, 'x': {}}",
            "{'metadata': {'labels': {'a': '1'}}, 'n': 1.0}",
            "{'metadata': {'labels': {'a': '1', 'b': '2'}}, 'n': 1.0}",
            "{'metadata': {'creationTimestamp': null, 'labels': {'a': '1', 'b': '2'}}, 'n': 1,"
                + " 'x': {}}");
    assertEquals(1, patch.size(), patch.toString());
  }

  @Test
  void aChangeInsideSomethingOnlyTheModelHasIsAddedWhole() {
    String raw = "{'spec': {}}";
    String before = "{'spec': {'resources': {'limits': {'cpu': '1'}}}}";
    String after = "{'spec': {'resources': {'limits': {'cpu': '2'}}}}";
    assertPatched(raw, before, after, "{'spec': {'resources': {'limits': {'cpu': '2'}}}}");
    // Why: the diff of the two model copies points into a member the sent object lacks.
    JsonNode naive = JsonDiff.asJson(json(before), json(after));
    assertThrows(JsonPatchException.class, () -> JsonPatch.apply(naive, json(raw)));
  }

  @Test
  void arrayElementsMergeByIndexWhenTheModelKeptThemAll() {
    assertPatched(
        "{'env': [{'name': 'A', 'value': 'a', 'extra': true}, {'name': 'B', 'value': 'b'}]}",
        "{'env': [{'name': 'A', 'value': 'a'}, {'name': 'B', 'value': 'b'}]}",
        "{'env': [{'name': 'A', 'value': 'a'}, {'name': 'B', 'value': 'x'}, {'name': 'C'}]}",
        "{'env': [{'name': 'A', 'value': 'a', 'extra': true}, {'name': 'B', 'value': 'x'},"
            + " {'name': 'C'}]}");
  }

  @Test
  void anArrayTheModelDidNotKeepWholeIsReplacedByTheResult() {
    // Index i of the model is no longer index i of the object sent: only the whole list is safe.
    assertPatched("{'l': [1, null, 2]}", "{'l': [1, 2]}", "{'l': [1, 3]}", "{'l': [1, 3]}");
  }

  @Test
  void whatTheMutationRemovesIsRemoved() {
    JsonNode patch =
        assertPatched(
            "{'a': {'keep': 1, 'drop': 2}}",
            "{'a': {'keep': 1, 'drop': 2}}",
            "{'a': {'keep': 1}}",
            "{'a': {'keep': 1}}");
    assertTrue(patch.get(0).get("op").asString().equals("remove"), patch.toString());
  }
}
