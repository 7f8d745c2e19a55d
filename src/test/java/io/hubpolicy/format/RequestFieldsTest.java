package io.hubpolicy.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.InvalidRequestException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The limits of request fields, at their edges. */
class RequestFieldsTest {

  static InvalidRequestException refused(Runnable r) {
    return assertThrows(InvalidRequestException.class, r::run);
  }

  @Test
  void aNameIsAtMost255CharactersCountedAsJupyterHubCountsThem() {
    assertEquals("x".repeat(255), RequestFields.user("x".repeat(255), "user"));
    InvalidRequestException e = refused(() -> RequestFields.user("x".repeat(256), "user"));
    assertEquals("user", e.field());
    assertEquals(
        "user is 256 characters long; JupyterHub names are at most 255 characters", e.getMessage());
    // 255 characters outside the BMP are 510 UTF-16 units, and still 255 characters.
    String emoji = "\ud83d\ude00".repeat(255);
    assertEquals(emoji, RequestFields.user(emoji, "user"));
    assertEquals("\u00e9l\u00e8ve", RequestFields.user("\u00e9l\u00e8ve", "user"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a\u0000b",
        "\u0001",
        "a\u001f",
        "a\u007fb",
        "a\u0080",
        "a\u0085b",
        "a\u009f",
        "a\nb",
        "a\rb",
        "a\tb",
        "a\u2028b",
        "a\u2029b",
        "\ud800x",
        "x\udc00",
        "\udbff"
      })
  void controlCharactersAndLoneSurrogatesAreRefusedInEveryNameField(String bad) {
    for (String field : List.of("user", "group", "image", "size", "server", "event")) {
      InvalidRequestException e =
          refused(
              () -> {
                switch (field) {
                  case "user" -> RequestFields.user(bad, field);
                  case "group" -> RequestFields.groups(List.of(bad), field);
                  case "image" -> RequestFields.image(bad, field);
                  case "size" -> RequestFields.size(bad, field);
                  case "server" -> RequestFields.server(bad, field);
                  default -> RequestFields.word(bad, field);
                }
              });
      assertEquals(field, e.field());
      assertTrue(
          e.getMessage().contains("control character") || e.getMessage().contains("lone surrogate"),
          e.getMessage());
      assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
    }
  }

  @Test
  void aUserNameFollowsJupyterHubsOwnRules() {
    refused(() -> RequestFields.user("a/b", "user"));
    refused(() -> RequestFields.user(" bob", "user"));
    refused(() -> RequestFields.user("bob ", "user"));
    assertEquals("user is required", refused(() -> RequestFields.user("  ", "user")).getMessage());
    assertEquals("user is required", refused(() -> RequestFields.user(null, "user")).getMessage());
    // Groups may look like paths (Keycloak's group claims do).
    assertEquals(List.of("/team/data"), RequestFields.groups(List.of("/team/data"), "groups"));
  }

  @Test
  void atMost1024Groups() {
    assertEquals(1024, RequestFields.groups(Collections.nCopies(1024, "g"), "groups").size());
    assertEquals(
        "groups has 1025 entries; at most 1024 are accepted",
        refused(() -> RequestFields.groups(Collections.nCopies(1025, "g"), "groups")).getMessage());
    assertEquals(
        "groups[1] is empty; a group has a name",
        refused(() -> RequestFields.groups(List.of("a", ""), "groups")).getMessage());
  }

  @Test
  void anImageReferenceIsAtMost520Characters() {
    String longest = "r".repeat(255) + ":" + "t".repeat(128) + "@sha512:" + "0".repeat(128);
    assertEquals(520, longest.length());
    assertEquals(longest, RequestFields.image(longest, "image"));
    refused(() -> RequestFields.image(longest + "0", "image"));
    assertNull(RequestFields.image(null, "image"));
  }

  @Test
  void decisionIdsHaveTheirShape() {
    assertEquals(
        "d-lz4k2x1a-3f9c0e1d2b3a4c5", RequestFields.decisionId("d-lz4k2x1a-3f9c0e1d2b3a4c5", "id"));
    for (String bad :
        List.of("x", "d-", "D-1", "d-A", "d-a/b", "d-a b", "d-" + "a".repeat(63), "d-\u0000")) {
      assertEquals("id", refused(() -> RequestFields.decisionId(bad, "id")).field());
    }
  }

  @Test
  void quotedValuesAreShortAndEscaped() {
    assertEquals("'a\\u0000b'", RequestFields.quote("a\u0000b"));
    assertEquals("'it\\'s'", RequestFields.quote("it's"));
    assertEquals("'\ud83d\ude00'", RequestFields.quote("\ud83d\ude00"));
    assertEquals("'\\ud800'", RequestFields.quote("\ud800"));
    assertTrue(RequestFields.quote("x".repeat(1000)).endsWith("… (1000 characters)"));
    assertTrue(RequestFields.quote("x".repeat(1000)).length() < 100);
    assertEquals("a\\u000ab…", RequestFields.printable("a\nbc", 3));
  }
}
