package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a person reads when a body or a pod is wrong: for a corpus of bad pods (every place of a pod
 * given every wrong type) and bad bodies, the message names where and what was expected, and never
 * a Java class, package, feature or token name.
 */
class BadInputWordsTest {

  @Test
  void everyWrongTypeAnywhereInAPodIsToldInWords() {
    ObjectNode pod = (ObjectNode) HostileCorpus.JSON.readTree(HostileCorpus.POD);
    List<String> pointers = new ArrayList<>();
    collect(pod, "", pointers);
    int refused = 0;
    for (String at : pointers) {
      for (JsonNode wrong : HostileCorpus.WRONG_TYPES) {
        ObjectNode body = HostileCorpus.F.objectNode().put("user", "bob");
        body.set("pod", HostileCorpus.replace(pod, at, wrong));
        try {
          DecideCall.parse(body.toString());
        } catch (InvalidRequestException e) {
          refused++;
          assertEquals("pod", e.field(), e.getMessage());
          HttpApiTest.assertNoInternals(e.getMessage());
          assertTrue(e.getMessage().startsWith("pod"), e.getMessage());
        }
      }
    }
    assertTrue(refused > 200, refused + " refusals");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"spec\":{\"containers\":{}}} | pod.spec.containers must be a list, found an object",
        "{\"spec\":[]} | pod.spec must be an object, found a list",
        "{\"spec\":{\"containers\":[\"x\"]}} | pod.spec.containers[0] must be an object, found a string",
        "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":\"x\"}]}]}}"
            + " | pod.spec.containers[0].ports[0].containerPort must be a whole number, found 'x'",
        "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":3000000000}]}]}}"
            + " | pod.spec.containers[0].ports[0].containerPort must be a whole number, found '3000000000'",
        "{\"spec\":{\"activeDeadlineSeconds\":1e400}}"
            + " | pod.spec.activeDeadlineSeconds is out of range: it must be a whole number"
            + " from -9223372036854775808 to 9223372036854775807",
        "{\"spec\":{\"containers\":[{\"securityContext\":{\"privileged\":\"yes\"}}]}}"
            + " | pod.spec.containers[0].securityContext.privileged must be true or false, found 'yes'",
        "{\"spec\":{\"containers\":[{\"livenessProbe\":{\"httpGet\":{\"port\":{}}}}]}}"
            + " | pod.spec.containers[0].livenessProbe.httpGet.port must be a number or a string",
        "{\"metadata\":{\"annotations\":{\"hub.jupyter.org/username\":{}}}}"
            + " | pod.metadata.annotations['hub.jupyter.org/username'] must be a string, found an object",
        "{\"spec\":{\"containers\":[{\"resources\":{\"limits\":{\"cpu\":[1]}}}]}}"
            + " | pod.spec.containers[0].resources.limits.cpu has a value of the wrong type",
      })
  void aPodProblemSaysWhereAndWhat(String pod, String expected) {
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () -> DecideCall.parse("{\"user\":\"bob\",\"pod\":" + pod + "}"));
    assertEquals("pod is not a valid Pod: " + expected, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{ | request body is not valid JSON: it ends too early (an object, list or string is not"
            + " closed) (line 1, column 2)",
        "{\"a\":} | request body is not valid JSON: Unexpected character ('}' (code 125)): expected a"
            + " valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            + " (line 1, column 6)",
        "{\"a\":[} | request body is not valid JSON: Unexpected close marker '}': expected ']'"
            + " (line 1, column 7)",
        "{\"a\":NaN} | request body is not valid JSON: Non-standard token 'NaN' (line 1, column 9)",
        "{\"a\":1,\"a\":2} | request body is not valid JSON: Duplicate Object property \"a\""
            + " (line 1, column 11)",
        "{\"a\":\"\\ud800\"} | a contains a lone surrogate U+D800 at position 1, which is not a"
            + " character (half of a \\u escape pair?)",
      })
  void aBodyProblemSaysWhereAndWhat(String body, String expected) {
    InvalidRequestException e =
        assertThrows(InvalidRequestException.class, () -> JsonBodies.object(body, "a"));
    assertEquals(expected, e.getMessage());
    HttpApiTest.assertNoInternals(e.getMessage());
  }

  @Test
  void nestingAndNumbersBeyondTheLimitsAreToldInWords() {
    for (Map.Entry<String, String> c :
        Map.of(
                "[".repeat(1000),
                "request body is refused: it nests objects and lists deeper than 64 levels",
                "{\"a\":" + "9".repeat(2000) + "}",
                "request body is refused: it has a number longer than 1000 digits")
            .entrySet()) {
      InvalidRequestException e =
          assertThrows(InvalidRequestException.class, () -> JsonBodies.object(c.getKey(), "a"));
      assertEquals(c.getValue(), e.getMessage());
    }
  }

  @Test
  void aKubernetesObjectFromConfigurationIsToldInWordsToo() {
    try {
      KubeJson.SERIALIZATION.convertValue(
          Map.of("key", "k", "tolerationSeconds", "soon"), Toleration.class);
      fail("converted");
    } catch (RuntimeException e) {
      assertEquals("tolerationSeconds must be a whole number, found 'soon'", Words.of(e));
    }
  }

  @Test
  void otherLibraryTextLosesItsJavaNames() {
    assertEquals(
        "Failed to connect to a value",
        Words.of(new RuntimeException("java.net.ConnectException: Failed to connect to io.x.Y")));
    assertEquals(
        "cannot read a value",
        Words.of(new IllegalStateException("cannot read `java.util.ArrayList<java.lang.String>`")));
  }

  private static void collect(JsonNode n, String at, List<String> out) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> {
                String p = at + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                out.add(p);
                collect(e.getValue(), p, out);
              });
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(at + "/" + i);
        collect(n.get(i), at + "/" + i, out);
      }
    }
  }
}
