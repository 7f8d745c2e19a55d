package io.hubpolicy.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Set;

/**
 * Amounts as people read them in a reason. Offers are rounded down and demands up, so a message
 * never makes a node look bigger or a size look smaller than it is.
 */
final class Amounts {
  private static final String[] BINARY = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final String[] DECIMAL = {"k", "M", "G", "T", "P", "E"};
  private static final Set<String> DECIMAL_FORMATS = Set.of("k", "M", "G", "T", "P", "E");

  private Amounts() {}

  static String cores(BigDecimal cores, RoundingMode rounding) {
    return cores == null ? "unknown" : plain(cores.setScale(3, rounding));
  }

  /**
   * Memory in the unit family the size was written in: someone who asked for {@code 14G} compares
   * against {@code 15.46G}, someone who asked for {@code 64Gi} against {@code 14.4Gi}.
   */
  static String memory(BigDecimal bytes, String requestFormat) {
    if (bytes == null) {
      return "unknown";
    }
    boolean decimal = requestFormat != null && DECIMAL_FORMATS.contains(requestFormat);
    String[] units = decimal ? DECIMAL : BINARY;
    BigDecimal base = BigDecimal.valueOf(decimal ? 1000 : 1024);
    BigDecimal step = BigDecimal.ONE;
    String unit = "";
    for (String u : units) {
      BigDecimal next = step.multiply(base);
      if (bytes.compareTo(next) < 0) {
        break;
      }
      step = next;
      unit = u;
    }
    int scale = unit.isEmpty() ? 0 : 2;
    return plain(bytes.divide(step, scale, RoundingMode.FLOOR)) + unit;
  }

  static String percent(BigDecimal fraction) {
    return plain(fraction.movePointRight(2));
  }

  private static String plain(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }
}
