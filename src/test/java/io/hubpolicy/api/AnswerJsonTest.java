package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.Texts;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The answer's bytes whatever a request held. */
class AnswerJsonTest {
  @Test
  void aLoneSurrogateIsEscapedSoTheAnswerIsValidUtf8AndReadsBackAsSent() throws Exception {
    String broken = "a\uD800b";
    Decision d =
        DecisionEngine.decide(
            new SpawnRequest("ana", List.of("g" + broken), "nb:1", null)
                .withPreferences(
                    new UserPreferences(
                        null, null, null, List.of(new UserVariable("NOTE", broken, false)))),
            Engines.ruleBase("profiles: [{name: all}]\n"));
    byte[] bytes = AnswerJson.bytes(d, null, DecisionJson.Explain.FIELDS, List.of());
    // Strict decoding: a surrogate written as raw bytes (CESU-8) would throw here.
    String text = Texts.decode("the answer", bytes);
    assertTrue(text.contains("\"ga\\uD800b\""), text);
    JsonNode tree = KubeJson.mapper().readTree(bytes);
    assertEquals("g" + broken, tree.path("groups").get(0).asString());
  }
}
