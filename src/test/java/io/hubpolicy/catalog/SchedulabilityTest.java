package io.hubpolicy.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.catalog.Verdict.Status;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SourceRef;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

public class SchedulabilityTest {
  // 4 CPU / 16Gi allocatable: after 10% headroom 3.6 CPU and 14.4Gi = 15461882265.6 bytes.
  private static final NodeCapacity N1 = NodeCapacity.of("n1", "4", "16Gi", true);
  private static final Schedulability CHECK = new Schedulability();

  public static Size size(String... fieldsAndQuantities) {
    Map<String, Quantity> resources = new LinkedHashMap<>();
    for (int i = 0; i < fieldsAndQuantities.length; i += 2) {
      resources.put(fieldsAndQuantities[i], new Quantity(fieldsAndQuantities[i + 1]));
    }
    return new Size("s", resources, SourceRef.UNKNOWN);
  }

  private static Verdict check(String cpu, String memory) {
    return CHECK.check(size("requests.cpu", cpu, "requests.memory", memory), List.of(N1));
  }

  @ParameterizedTest(name = "{0} CPU / {1} on 4 / 16Gi -> {2}")
  @CsvSource({
    "3500m, 14G, SCHEDULABLE",
    "3.5, 14Gi, SCHEDULABLE",
    // 15G is 15e9 bytes and fits; 15Gi is 16.1e9 and does not: mixing 1000 and 1024 breaks this.
    "1, 15G, SCHEDULABLE",
    "1, 15Gi, UNSCHEDULABLE",
    "1, 1.5Ti, UNSCHEDULABLE",
    "8, 64Gi, UNSCHEDULABLE",
    "1, 1.5Gi, SCHEDULABLE",
    "0.5, 1e9, SCHEDULABLE",
    "1e3, 1Gi, UNSCHEDULABLE",
    "3700m, 1Gi, UNSCHEDULABLE",
    "1, 14400Mi, SCHEDULABLE",
    "1, 15461M, SCHEDULABLE",
    "1, 15462M, UNSCHEDULABLE",
    "1, 15099494Ki, SCHEDULABLE",
    "1, 15099495Ki, UNSCHEDULABLE",
    "1, 15461882k, SCHEDULABLE",
    "1, 15461883k, UNSCHEDULABLE",
    "1, 0.01T, SCHEDULABLE",
    "1, 0.02T, UNSCHEDULABLE",
    "1, 0.0131Ti, SCHEDULABLE",
  })
  void mixedUnitsAreComparedExactly(String cpu, String memory, Status expected) {
    Verdict v = check(cpu, memory);
    assertEquals(expected, v.status(), v.reason());
    assertEquals(expected == Status.SCHEDULABLE ? "n1" : null, v.fittingNode());
  }

  @Test
  void exactlyAtTheHeadroomBoundaryFits() {
    assertEquals(Status.SCHEDULABLE, check("3600m", "14.4Gi").status());
    assertEquals(Status.SCHEDULABLE, check("3.6", "15461882265").status());
    assertEquals(Status.UNSCHEDULABLE, check("3601m", "1Gi").status());
    // One byte over 15461882265.6.
    assertEquals(Status.UNSCHEDULABLE, check("1", "15461882266").status());
  }

  @Test
  void zeroHeadroomAllowsTheWholeNode() {
    Size whole = size("requests.cpu", "4", "requests.memory", "16Gi");
    assertEquals(Status.SCHEDULABLE, new Schedulability(0).check(whole, List.of(N1)).status());
    assertEquals(Status.UNSCHEDULABLE, CHECK.check(whole, List.of(N1)).status());
  }

  @Test
  void headroomOutsideZeroToOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Schedulability(1.0));
    assertThrows(IllegalArgumentException.class, () -> new Schedulability(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new Schedulability(Double.NaN));
  }

  @Test
  void theReasonNamesTheLargestNodeAfterHeadroom() {
    NodeCapacity small = NodeCapacity.of("small", "2", "8Gi", true);
    Verdict v =
        CHECK.check(size("requests.cpu", "8", "requests.memory", "64Gi"), List.of(small, N1));
    assertEquals(Status.UNSCHEDULABLE, v.status());
    assertEquals(
        "needs 8 CPU / 64Gi memory; the largest node (n1) offers 3.6 CPU / 14.4Gi after 10% headroom",
        v.reason());
    assertNull(v.fittingNode());
  }

  @Test
  void aDecimalSizeIsComparedInDecimalUnits() {
    Verdict v = CHECK.check(size("requests.memory", "20G"), List.of(N1));
    assertEquals(
        "needs 20G memory; the largest node (n1) offers 15.46G after 10% headroom;"
            + " checked on memory only: the size sets no cpu request or limit",
        v.reason());
  }

  @Test
  void aSchedulableSizeNamesANodeItFitsOn() {
    NodeCapacity small = NodeCapacity.of("small", "2", "8Gi", true);
    Verdict v =
        CHECK.check(size("requests.cpu", "3", "requests.memory", "10Gi"), List.of(small, N1));
    assertEquals(Status.SCHEDULABLE, v.status());
    assertEquals("n1", v.fittingNode());
    assertEquals(
        "fits on n1: needs 3 CPU / 10Gi memory, the node offers 3.6 CPU / 14.4Gi after 10% headroom",
        v.reason());
  }

  @Test
  void aLegacySizeWithoutCpuIsCheckedOnMemoryOnly() {
    // mem_limit alone, as the old system wrote it: a limit and no request.
    Verdict fits = CHECK.check(size("limits.memory", "8Gi"), List.of(N1));
    assertEquals(Status.SCHEDULABLE, fits.status());
    assertTrue(fits.reason().contains("checked on memory only"), fits.reason());

    Verdict tooBig = CHECK.check(size("limits.memory", "15Gi"), List.of(N1));
    assertEquals(Status.UNSCHEDULABLE, tooBig.status());
    assertTrue(tooBig.reason().contains("checked on memory only"), tooBig.reason());
  }

  @Test
  void aSizeWithoutMemoryIsCheckedOnCpuOnly() {
    Verdict v = CHECK.check(size("requests.cpu", "2"), List.of(N1));
    assertEquals(Status.SCHEDULABLE, v.status());
    assertTrue(v.reason().contains("checked on CPU only"), v.reason());
    assertEquals(Status.UNSCHEDULABLE, CHECK.check(size("limits.cpu", "5"), List.of(N1)).status());
  }

  @Test
  void theRequestWinsOverTheLimitAndTheLimitStandsInForAMissingRequest() {
    Size burstable = size("requests.memory", "1Gi", "limits.memory", "64Gi");
    assertEquals(Status.SCHEDULABLE, CHECK.check(burstable, List.of(N1)).status());
    Size limitOnly = size("requests.cpu", "1", "limits.memory", "15Gi");
    assertEquals(Status.UNSCHEDULABLE, CHECK.check(limitOnly, List.of(N1)).status());
  }

  @Test
  void aSizeWithNeitherCpuNorMemoryIsIncomplete() {
    Verdict empty = CHECK.check(size(), List.of(N1));
    assertEquals(Status.INCOMPLETE, empty.status());
    assertTrue(empty.reason().contains("no cpu or memory"), empty.reason());
    Verdict gpuOnly = CHECK.check(size("limits.nvidia.com/gpu", "1"), List.of(N1));
    assertEquals(Status.INCOMPLETE, gpuOnly.status());
  }

  @ParameterizedTest
  @CsvSource({
    "requests.memory, lots",
    "limits.cpu, 1.2.3",
    "requests.cpu, 2 cores",
    "limits.memory, -1Gi"
  })
  void aBadQuantityIsIncompleteAndNamesTheField(String field, String text) {
    Size bad = size("requests.cpu", "1", "requests.memory", "1Gi");
    Map<String, Quantity> resources = new LinkedHashMap<>(bad.resources());
    resources.put(field, new Quantity(text));
    Verdict v = CHECK.check(new Size("bad", resources, SourceRef.UNKNOWN), List.of(N1));
    assertEquals(Status.INCOMPLETE, v.status());
    assertTrue(v.reason().startsWith(field + " '" + text + "'"), v.reason());
  }

  @Test
  void aQuantityWithoutAnAmountOrANullOneIsIncomplete() {
    Map<String, Quantity> resources = new LinkedHashMap<>();
    resources.put("requests.cpu", new Quantity());
    assertEquals(
        Status.INCOMPLETE,
        CHECK.check(new Size("x", resources, SourceRef.UNKNOWN), List.of(N1)).status());
    resources.put("requests.cpu", null);
    assertEquals(
        Status.INCOMPLETE,
        CHECK.check(new Size("x", resources, SourceRef.UNKNOWN), List.of(N1)).status());
    assertEquals(Status.INCOMPLETE, CHECK.check(null, List.of(N1)).status());
  }

  @Test
  void anAbsurdlyLargeQuantityIsIncompleteRatherThanSlow() {
    Verdict v = CHECK.check(size("requests.memory", "1e99999"), List.of(N1));
    assertEquals(Status.INCOMPLETE, v.status());
    assertTrue(v.reason().contains("out of range"), v.reason());
  }

  @Test
  void cordonedAndNotReadyNodesDoNotCount() {
    NodeCapacity cordoned = NodeCapacity.of("big-cordoned", "64", "512Gi", false);
    NodeCapacity notReady = NodeCapacity.of("big-notready", "64", "512Gi", false);
    Verdict v =
        CHECK.check(
            size("requests.cpu", "8", "requests.memory", "64Gi"), List.of(cordoned, N1, notReady));
    assertEquals(Status.UNSCHEDULABLE, v.status());
    assertEquals(
        "needs 8 CPU / 64Gi memory; the largest node (n1) offers 3.6 CPU / 14.4Gi after 10% headroom;"
            + " 2 nodes cordoned or NotReady not counted",
        v.reason());

    Verdict none = CHECK.check(size("requests.cpu", "1"), List.of(cordoned, notReady));
    assertEquals(Status.UNSCHEDULABLE, none.status());
    assertEquals("no schedulable node: all 2 nodes are cordoned or NotReady", none.reason());
  }

  @Test
  void aNodeCountsOnlyWhenReadyAndNotCordoned() {
    assertTrue(NodeCapacity.of(node("ok", true, false)).schedulable());
    assertFalse(NodeCapacity.of(node("cordoned", true, true)).schedulable());
    assertFalse(NodeCapacity.of(node("notready", false, false)).schedulable());
    Node silent = new NodeBuilder().withNewMetadata().withName("silent").endMetadata().build();
    NodeCapacity c = NodeCapacity.of(silent);
    assertFalse(c.schedulable());
    assertNull(c.cpuCores());
    NodeCapacity ok = NodeCapacity.of(node("ok", true, false));
    assertEquals(0, new BigDecimal("3.5").compareTo(ok.cpuCores()));
    assertEquals(0, BigDecimal.valueOf(12L << 30).compareTo(ok.memoryBytes()));
  }

  @Test
  void aNodeThatDoesNotReportMemoryFitsNoMemoryRequest() {
    NodeCapacity noMemory = NodeCapacity.of("m", "4", null, true);
    assertEquals(
        Status.UNSCHEDULABLE,
        CHECK.check(size("requests.memory", "1Mi"), List.of(noMemory)).status());
    assertEquals(
        Status.SCHEDULABLE, CHECK.check(size("requests.cpu", "1"), List.of(noMemory)).status());
  }

  @Test
  void noNodeInformationIsUnknown() {
    Size ok = size("requests.cpu", "1", "requests.memory", "1Gi");
    assertEquals(Status.UNKNOWN, CHECK.check(ok, List.of()).status());
    assertEquals(Status.UNKNOWN, CHECK.check(ok, null).status());
  }

  public static Node node(String name, boolean ready, boolean cordoned) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withUnschedulable(cordoned)
        .endSpec()
        .withNewStatus()
        .addToAllocatable("cpu", new Quantity("3500m"))
        .addToAllocatable("memory", new Quantity("12Gi"))
        .addToCapacity("cpu", new Quantity("4"))
        .addToCapacity("memory", new Quantity("16Gi"))
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }
}
