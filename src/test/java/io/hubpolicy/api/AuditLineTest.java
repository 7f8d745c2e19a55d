package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The audit line's own rules: which names are masked, and ASCII whatever the input. */
class AuditLineTest {
  /** The expression the audit log masked by before names were matched by hand. */
  static final Pattern BEFORE =
      Pattern.compile(
          "secret|token|pass|pwd|credential|private|api_?key|access_?key",
          Pattern.CASE_INSENSITIVE);

  @Test
  void secretLookingNamesAreTheOnesTheExpressionFound() {
    for (String name :
        List.of(
            "DB_PASSWORD",
            "github_Token",
            "AWS_SECRET_ACCESS_KEY",
            "ACCESSKEY",
            "my-api_key",
            "APIKEY",
            "pwd",
            "PRIVATE_X",
            "CREDENTIALS",
            "API_KEYS",
            "HOME",
            "PATH",
            "API__KEY",
            "PAS",
            "TOKE",
            "")) {
      assertEquals(BEFORE.matcher(name).find(), AuditLine.sensitive(name), name);
    }
    // Random names made of the words' letters and separators, so that near misses are common.
    Random r = new Random(19);
    String letters = "secrtokenpaswdilvyAPIKEYCS_-";
    for (int i = 0; i < 200_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(14);
      for (int k = 0; k < n; k++) {
        b.append(letters.charAt(r.nextInt(letters.length())));
      }
      String name = b.toString();
      assertEquals(BEFORE.matcher(name).find(), AuditLine.sensitive(name), name);
    }
  }

  @Test
  void theLineIsAsciiAndMasksWhateverTheRequestHeld() {
    String broken = "a\uD800b"; // a lone surrogate
    Decision d =
        DecisionEngine.decide(
            new SpawnRequest("ana", List.of("g\u00e9"), "nb:1", null)
                .withPreferences(
                    new UserPreferences(
                        null,
                        null,
                        null,
                        List.of(
                            new UserVariable("NOTE", broken, false),
                            new UserVariable("Stripe_ApiKey", "sk_live", false)))),
            Engines.ruleBase("profiles: [{name: all}]\n"));
    byte[] line = AuditLine.bytes(d, "t");
    for (byte b : line) {
      assertTrue(b >= 0x20 && b < 0x7f, "a byte outside printable ASCII: " + b);
    }
    String text = new String(line, StandardCharsets.US_ASCII);
    assertFalse(text.contains("sk_live"), text);
    JsonNode tree = AuditLine.tree(d, "t");
    assertEquals("g\u00e9", tree.path("input").path("groups").get(0).asString());
    assertEquals("***", tree.path("result").path("env").path("Stripe_ApiKey").asString());
    assertEquals(text, AuditLine.text(d, "t"));
  }
}
