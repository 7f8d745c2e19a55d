package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.model.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing of what turns request bytes into a call: the body reader's strict UTF-8
 * decoding and {@link DecideCall#parse} (HTTP), and {@link DecideCall#of} (gRPC's fields). Either
 * the call is accepted, or it is refused with an {@link InvalidRequestException} naming a field in
 * words without Java; anything else thrown is a finding.
 *
 * <p>{@code mvn test} runs the saved inputs only (regression mode, under a second; the inputs are
 * in {@code src/test/resources/io/hubpolicy/api/RequestParserFuzzTestInputs}). To fuzz: {@code
 * JAZZER_FUZZ=1 mvn -B test -Dtest=RequestParserFuzzTest}; a crash is written to that directory and
 * then replays in every build.
 */
class RequestParserFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void decideBody(byte[] body) {
    String text;
    try {
      text = JsonBodies.utf8(body);
    } catch (InvalidRequestException e) {
      assertWords(e, "");
      return;
    }
    try {
      DecideCall.parse(text);
    } catch (InvalidRequestException e) {
      assertWords(e, text);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void decideFields(FuzzedDataProvider data) {
    String user = data.consumeString(300);
    List<String> groups = new ArrayList<>();
    int n = data.consumeInt(0, 3);
    for (int i = 0; i < n; i++) {
      groups.add(data.consumeString(50));
    }
    String image = data.consumeString(100);
    String size = data.consumeString(20);
    String server = data.consumeString(20);
    String pod = data.consumeRemainingAsString();
    try {
      DecideCall.of(user, groups, image, size, server, pod);
    } catch (InvalidRequestException e) {
      assertWords(e, String.join("\n", user, String.join("\n", groups), image, size, server, pod));
    }
  }

  /**
   * Refused in words: a field, a message, and no Java name in it that the input did not bring (a
   * message may quote what was sent, and the fuzzer learns to send "ArrayList").
   */
  static void assertWords(InvalidRequestException e, String input) {
    assertNotNull(e.field(), e.getMessage());
    assertNotNull(e.getMessage());
    assertFalse(e.getMessage().isBlank());
    String m = e.getMessage();
    for (String word : List.of("Exception", "at io.", "at java.", "tools.jackson")) {
      assertFalse(m.contains(word) && !input.contains(word), "names Java: " + m);
    }
    for (Pattern p : HttpApiTest.JAVA_NAMES) {
      Matcher found = p.matcher(m);
      while (found.find()) {
        assertTrue(input.contains(found.group()), "names Java (" + p + "): " + m);
      }
    }
  }
}
