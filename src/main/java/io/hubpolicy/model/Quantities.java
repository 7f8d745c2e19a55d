package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes quantity arithmetic. Every unit ({@code m}, {@code k}, {@code M}, {@code G}, {@code
 * Ki}, {@code Gi}, {@code Ti}, exponents, decimals) goes through one exact BigDecimal conversion,
 * so {@code 1.5Gi} and {@code 2G} never crash and never mix 1000 with 1024.
 */
public final class Quantities {
  // The grammar of resource.Quantity in k8s.io/apimachinery.
  private static final Pattern QUANTITY =
      Pattern.compile("^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+|[KMGTPE]i|[numkMGTPE])?$");

  private Quantities() {}

  public static Optional<Quantity> parse(String text) {
    if (text == null || !QUANTITY.matcher(text.trim()).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Quantity(text.trim()));
  }

  /** The quantity as a plain number of base units (bytes for memory, cores for cpu). */
  public static BigDecimal amount(Quantity q) {
    return Quantity.getAmountInBytes(q);
  }

  /** Whole bytes, rounded up: a limit of 1.5Gi is 1610612736 bytes, 0.5 bytes becomes 1. */
  public static long bytes(Quantity q) {
    return amount(q).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** Millicores, rounded up as Kubernetes does. */
  public static long millis(Quantity q) {
    return amount(q).movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /**
   * The amount in base units, or empty when {@code q} is null or not a Kubernetes quantity. A
   * fabric8 Quantity accepts any text when built (from code or from JSON) and only fails when
   * converted, so callers that must never throw check here first.
   */
  public static Optional<BigDecimal> tryAmount(Quantity q) {
    if (q == null || q.getAmount() == null) {
      return Optional.empty();
    }
    String text = q.getAmount() + (q.getFormat() == null ? "" : q.getFormat());
    if (!QUANTITY.matcher(text.trim()).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(amount(q));
    } catch (IllegalArgumentException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /**
   * A quantity Kubernetes would take as a resource amount: valid and not negative. The grammar
   * allows a sign, but the API server refuses a negative request or limit.
   */
  public static Optional<Quantity> parseResource(String text) {
    return parse(text).filter(q -> amount(q).signum() >= 0);
  }

  public static int compare(Quantity a, Quantity b) {
    return amount(a).compareTo(amount(b));
  }
}
