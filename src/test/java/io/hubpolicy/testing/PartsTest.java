package io.hubpolicy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.opentest4j.TestAbortedException;

/** A missing part skips with its reason, and fails instead where it is required. */
@ResourceLock(Parts.REQUIRE_PROPERTY)
class PartsTest {
  /** Printed in the skip and failure banners of these tests: they are not real problems. */
  static final String REASON = "no gizmo: a part made up by PartsTest, this is expected";

  @Test
  void aMissingPartSkipsWithTheReason() {
    String before = System.clearProperty(Parts.REQUIRE_PROPERTY);
    try {
      // Only where the environment does not require the (made-up) part.
      TestAbortedException skip =
          assertThrows(TestAbortedException.class, () -> Parts.missing("gizmo", REASON));
      assertTrue(skip.getMessage().contains(REASON), skip.getMessage());
    } finally {
      restore(before);
    }
  }

  @Test
  void aRequiredPartFailsInstead() {
    String before = System.setProperty(Parts.REQUIRE_PROPERTY, "browser, gizmo");
    try {
      assertTrue(Parts.required().contains("gizmo"));
      AssertionError failure =
          assertThrows(AssertionError.class, () -> Parts.missing("gizmo", REASON));
      assertEquals(
          "gizmo is required here (HUBPOLICY_REQUIRE/-Dhubpolicy.require) but: " + REASON,
          failure.getMessage());
    } finally {
      restore(before);
    }
  }

  private static void restore(String value) {
    if (value == null) {
      System.clearProperty(Parts.REQUIRE_PROPERTY);
    } else {
      System.setProperty(Parts.REQUIRE_PROPERTY, value);
    }
  }
}
