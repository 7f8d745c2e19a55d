package io.hubpolicy.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.Test;

/** The fixture itself: how it closes must not depend on a race in the mock server. */
class MockKubeMockTest {
  /**
   * A watch that is being sent events when it is closed: closed by its client, the mock held an
   * event loop and its close timed out in about one cycle of five here (and once in CI); closed
   * with the server first, never.
   */
  @Test
  void watchesBusyWithEventsEndWithTheServerAndItsCloseNeverTimesOut() {
    int timedOut = MockKube.CLOSES_TIMED_OUT.get();
    for (int cycle = 0; cycle < 12; cycle++) {
      MockKube kube = MockKube.start();
      ConfigMapPreferenceStore store = new ConfigMapPreferenceStore(kube.client, "ns");
      store.start().toCompletableFuture().join();
      for (int i = 0; i < 30; i++) {
        kube.client
            .configMaps()
            .inNamespace("ns")
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("cm-" + i)
                    .addToLabels(ConfigMapPreferenceStore.LABEL, "true")
                    .endMetadata()
                    .addToData("profile", "x".repeat(20_000))
                    .build())
            .create();
      }
      kube.close(store);
      assertEquals(timedOut, MockKube.CLOSES_TIMED_OUT.get(), "closes timed out by cycle " + cycle);
    }
  }
}
