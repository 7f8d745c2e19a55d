package io.hubpolicy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantitiesTest {
  @ParameterizedTest
  @CsvSource({
    "1.5Gi, 1610612736",
    "14G, 14000000000",
    "1Ti, 1099511627776",
    "2k, 2000",
    "1Ki, 1024",
    "3500m, 3.5",
    "1e3, 1000",
    "5e-1, 0.5",
    ".5, 0.5",
    "0, 0"
  })
  void tryAmountConvertsEveryUnitExactly(String text, String expected) {
    BigDecimal amount = Quantities.tryAmount(new Quantity(text)).orElseThrow();
    assertEquals(0, new BigDecimal(expected).compareTo(amount), text + " -> " + amount);
  }

  // fabric8 builds a Quantity from any text and only fails on conversion.
  @ParameterizedTest
  @ValueSource(strings = {"lots", "1.2.3", "2 cores", "1X", "Gi", "1gi"})
  void tryAmountIsEmptyForWhatIsNotAQuantity(String text) {
    assertTrue(Quantities.tryAmount(new Quantity(text)).isEmpty(), text);
  }

  @org.junit.jupiter.api.Test
  void tryAmountIsEmptyForNothing() {
    assertTrue(Quantities.tryAmount(null).isEmpty());
    assertTrue(Quantities.tryAmount(new Quantity()).isEmpty());
  }
}
