package io.hubpolicy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderedMapsTest {
  @Test
  void aCopyKeepsTheOrderAndIsNotChangedByItsSource() {
    Map<String, Integer> source = new LinkedHashMap<>();
    source.put("zeta", 1);
    source.put("alpha", 2);
    source.put("mu", null);
    Map<String, Integer> copy = OrderedMaps.copyOf(source);
    source.put("beta", 4);
    source.remove("zeta");
    assertEquals(List.of("zeta", "alpha", "mu"), List.copyOf(copy.keySet()));
    assertEquals(3, copy.size());
    assertTrue(copy.containsKey("mu"));
    assertNull(copy.get("mu"));
    assertEquals(2, copy.get("alpha"));
  }

  @Test
  void aCopyCannotBeChanged() {
    Map<String, Integer> copy = OrderedMaps.copyOf(Map.of("a", 1));
    assertThrows(UnsupportedOperationException.class, () -> copy.put("b", 2));
    assertThrows(UnsupportedOperationException.class, () -> copy.remove("a"));
    assertThrows(UnsupportedOperationException.class, () -> copy.entrySet().clear());
    assertThrows(UnsupportedOperationException.class, () -> copy.keySet().remove("a"));
    assertThrows(UnsupportedOperationException.class, () -> copy.values().clear());
    assertThrows(
        UnsupportedOperationException.class, () -> copy.entrySet().iterator().next().setValue(3));
  }

  @Test
  void aCopyOfACopyIsTheSameMapButAnUnmodifiableViewIsCopied() {
    Map<String, Integer> copy = OrderedMaps.copyOf(Map.of("a", 1));
    assertSame(copy, OrderedMaps.copyOf(copy));
    // A read-only view of someone's map may still change under it: copied.
    Map<String, Integer> view = Collections.unmodifiableMap(new LinkedHashMap<>(Map.of("a", 1)));
    assertNotSame(view, OrderedMaps.copyOf(view));
  }

  @Test
  void equalsAndHashCodeAreAMapsWhateverItsOrder() {
    Map<String, Integer> ab = new LinkedHashMap<>();
    ab.put("a", 1);
    ab.put("b", 2);
    Map<String, Integer> ba = new LinkedHashMap<>();
    ba.put("b", 2);
    ba.put("a", 1);
    assertEquals(ab, OrderedMaps.copyOf(ba));
    assertEquals(OrderedMaps.copyOf(ba), ab);
    assertEquals(ab.hashCode(), OrderedMaps.copyOf(ba).hashCode());
    assertEquals("{b=2, a=1}", OrderedMaps.copyOf(ba).toString());
  }

  @Test
  void aProfileMovedToAnotherPositionSharesItsMaps() {
    Profile p =
        new Profile(
            3,
            "gpu",
            null,
            List.of("alice"),
            List.of(),
            List.of(),
            List.of(),
            Map.of("limits.cpu", new Quantity("2")),
            List.of(),
            null,
            List.of(),
            null,
            Map.of(),
            null);
    Profile moved = p.withOrder(4);
    assertEquals(4, moved.order());
    assertSame(p.resources(), moved.resources());
    assertSame(p.services(), moved.services());
    assertSame(p.users(), moved.users());
    assertSame(p, p.withOrder(3));
  }
}
