package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Work beside the caller gives its value, or throws what it threw as it was thrown. */
class BackgroundTest {
  @Test
  void givesTheValueComputedOnItsOwnNamedThread() {
    Background<String> b = Background.start("test-worker", () -> Thread.currentThread().getName());
    assertEquals("test-worker", b.join());
  }

  @Test
  void aConfigurationsProblemsStayTheSameException() {
    InvalidConfigException bad =
        new InvalidConfigException(List.of(new Problem("p.yaml", 3, "x", "bad")));
    Background<Object> b =
        Background.start(
            "test-worker",
            () -> {
              throw bad;
            });
    assertSame(bad, assertThrows(InvalidConfigException.class, b::join));
  }

  @Test
  void anErrorStaysAnError() {
    StackOverflowError deep = new StackOverflowError("deep");
    Background<Object> b =
        Background.start(
            "test-worker",
            () -> {
              throw deep;
            });
    assertSame(deep, assertThrows(StackOverflowError.class, b::join));
  }

  @Test
  void aCheckedExceptionIsWrapped() {
    Exception checked = new java.io.IOException("disk");
    Background<Object> b =
        Background.start(
            "test-worker",
            () -> {
              throw checked;
            });
    assertSame(checked, assertThrows(IllegalStateException.class, b::join).getCause());
  }
}
