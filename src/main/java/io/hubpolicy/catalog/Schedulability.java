package io.hubpolicy.catalog;

import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.model.Quantities;
import io.hubpolicy.model.Size;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a size fits on the nodes the cluster has now. Pure: no client, no clock, so every rule
 * below is unit-tested. All arithmetic is exact BigDecimal on base units (cores, bytes), which is
 * what lets {@code 14G}, {@code 15Gi} and {@code 1.5Ti} be compared without mixing 1000 and 1024.
 *
 * <p>A size is judged on its requests, because that is what the scheduler reserves; a missing
 * request falls back to the limit, because Kubernetes defaults the request to the limit.
 */
public final class Schedulability {
  public static final double DEFAULT_HEADROOM = 0.10;

  // Kubernetes caps quantities near 2^63; anything larger in a size is a typo, and refusing it
  // keeps every later step (rounding, formatting) cheap.
  private static final BigDecimal MAX = new BigDecimal(Long.MAX_VALUE);
  private static final List<String> FIELDS =
      List.of("requests.cpu", "limits.cpu", "requests.memory", "limits.memory");

  private final BigDecimal headroom;
  private final BigDecimal keep;

  public Schedulability() {
    this(DEFAULT_HEADROOM);
  }

  /**
   * @param headroom the fraction of each node's allocatable kept free for daemons, system pods and
   *     other users' pods, in [0, 1)
   */
  public Schedulability(double headroom) {
    if (!(headroom >= 0 && headroom < 1)) {
      throw new IllegalArgumentException("headroom must be in [0, 1), got " + headroom);
    }
    // valueOf, not new BigDecimal(double): 0.1 must be exactly one tenth.
    this.headroom = BigDecimal.valueOf(headroom);
    this.keep = BigDecimal.ONE.subtract(this.headroom);
  }

  public double headroom() {
    return headroom.doubleValue();
  }

  /** Never throws: a size that cannot be judged is INCOMPLETE, missing node data UNKNOWN. */
  public Verdict check(Size size, List<NodeCapacity> nodes) {
    try {
      return judge(size, nodes);
    } catch (RuntimeException e) {
      // A bug here must cost one size its verdict, never the whole list.
      return Verdict.unknown("could not be checked: " + e);
    }
  }

  private Verdict judge(Size size, List<NodeCapacity> nodes) {
    Map<String, Quantity> resources =
        size == null || size.resources() == null ? Map.of() : size.resources();
    for (String field : FIELDS) {
      if (resources.containsKey(field)) {
        Optional<String> problem = problem(resources.get(field));
        if (problem.isPresent()) {
          return Verdict.incomplete(field + " " + problem.get());
        }
      }
    }
    Demand cpu = Demand.of(resources, "cpu");
    Demand memory = Demand.of(resources, "memory");
    if (cpu == null && memory == null) {
      return Verdict.incomplete(
          "no cpu or memory in requests or limits: nothing to compare with the nodes");
    }
    if (nodes == null || nodes.isEmpty()) {
      return Verdict.unknown("no node information");
    }
    List<NodeCapacity> usable = nodes.stream().filter(NodeCapacity::schedulable).toList();
    if (usable.isEmpty()) {
      return Verdict.unschedulable(
          "no schedulable node: "
              + (nodes.size() == 1 ? "the only node is" : "all " + nodes.size() + " nodes are")
              + " cordoned or NotReady");
    }
    String partial = partialNote(cpu, memory);
    for (NodeCapacity n : usable) {
      if (fits(cpu, n.cpuCores()) && fits(memory, n.memoryBytes())) {
        return Verdict.schedulable(
            n.name(),
            "fits on "
                + n.name()
                + ": needs "
                + need(cpu, memory)
                + ", the node offers "
                + offer(n, cpu, memory)
                + " after "
                + Amounts.percent(headroom)
                + "% headroom"
                + partial);
      }
    }
    NodeCapacity largest = usable.stream().max(largestFirst(memory != null)).orElseThrow();
    int ignored = nodes.size() - usable.size();
    return Verdict.unschedulable(
        "needs "
            + need(cpu, memory)
            + "; the largest node ("
            + largest.name()
            + ") offers "
            + offer(largest, cpu, memory)
            + " after "
            + Amounts.percent(headroom)
            + "% headroom"
            + (ignored == 0 ? "" : "; " + count(ignored) + " cordoned or NotReady not counted")
            + partial);
  }

  private static Optional<String> problem(Quantity q) {
    Optional<BigDecimal> amount = Quantities.tryAmount(q);
    if (amount.isEmpty()) {
      return Optional.of("'" + text(q) + "' is not a Kubernetes quantity (e.g. 500m, 2, 1.5Gi)");
    }
    if (amount.get().signum() < 0) {
      return Optional.of("'" + text(q) + "' is negative");
    }
    if (amount.get().compareTo(MAX) > 0) {
      return Optional.of("'" + text(q) + "' is out of range");
    }
    return Optional.empty();
  }

  private boolean fits(Demand demand, BigDecimal allocatable) {
    if (demand == null) {
      return true;
    }
    // A node that does not report the resource cannot be shown to have room for it.
    return allocatable != null && demand.amount().compareTo(allocatable.multiply(keep)) <= 0;
  }

  /**
   * "Largest" by the dimension notebooks usually run out of first: memory, then CPU; by CPU alone
   * when the size asks for no memory.
   */
  private static Comparator<NodeCapacity> largestFirst(boolean byMemory) {
    Comparator<BigDecimal> amounts = Comparator.nullsFirst(Comparator.naturalOrder());
    Comparator<NodeCapacity> cpu = Comparator.comparing(NodeCapacity::cpuCores, amounts);
    Comparator<NodeCapacity> memory = Comparator.comparing(NodeCapacity::memoryBytes, amounts);
    return byMemory ? memory.thenComparing(cpu) : cpu.thenComparing(memory);
  }

  private static String need(Demand cpu, Demand memory) {
    return join(
        cpu == null ? null : Amounts.cores(cpu.amount(), RoundingMode.CEILING) + " CPU",
        memory == null ? null : text(memory.quantity()) + " memory");
  }

  private String offer(NodeCapacity n, Demand cpu, Demand memory) {
    return join(
        cpu == null ? null : Amounts.cores(times(n.cpuCores()), RoundingMode.FLOOR) + " CPU",
        memory == null
            ? null
            : Amounts.memory(times(n.memoryBytes()), memory.quantity().getFormat()));
  }

  private BigDecimal times(BigDecimal allocatable) {
    return allocatable == null ? null : allocatable.multiply(keep);
  }

  private static String partialNote(Demand cpu, Demand memory) {
    if (cpu == null) {
      return "; checked on memory only: the size sets no cpu request or limit";
    }
    if (memory == null) {
      return "; checked on CPU only: the size sets no memory request or limit";
    }
    return "";
  }

  private static String join(String a, String b) {
    return a == null ? b : b == null ? a : a + " / " + b;
  }

  private static String count(int nodes) {
    return nodes == 1 ? "1 node" : nodes + " nodes";
  }

  private static String text(Quantity q) {
    return q == null
        ? "null"
        : Objects.toString(q.getAmount(), "") + Objects.toString(q.getFormat(), "");
  }

  /** What the scheduler will reserve for one resource. */
  private record Demand(Quantity quantity, BigDecimal amount) {
    static Demand of(Map<String, Quantity> resources, String resource) {
      for (String field : List.of("requests." + resource, "limits." + resource)) {
        Quantity q = resources.get(field);
        if (q != null) {
          return new Demand(q, Quantities.amount(q));
        }
      }
      return null;
    }
  }
}
