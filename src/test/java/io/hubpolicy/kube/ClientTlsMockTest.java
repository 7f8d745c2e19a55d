package io.hubpolicy.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Old-system defect 12 (first half): it turned TLS verification off for its API calls. hubpolicy's
 * client is built the way {@code serve --kube} builds it, and refuses an API server whose
 * certificate it cannot verify.
 */
class ClientTlsMockTest {
  KubernetesMockServer server;
  final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void start() {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            true);
    server.init(InetAddress.getLoopbackAddress(), 0);
    set("kubernetes.master", "https://127.0.0.1:" + server.getPort());
    set("kubernetes.auth.tryKubeConfig", "false");
    set("kubernetes.auth.tryServiceAccount", "false");
    set("kubernetes.request.retry.backoffLimit", "0");
  }

  void set(String key, String value) {
    saved.put(key, System.getProperty(key));
    System.setProperty(key, value);
  }

  @AfterEach
  void stop() {
    server.destroy();
    saved.forEach(
        (k, v) -> {
          if (v == null) {
            System.clearProperty(k);
          } else {
            System.setProperty(k, v);
          }
        });
  }

  @Test
  void anApiServerWithAnUnverifiableCertificateIsRefused() {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      assertFalse(client.getConfiguration().isTrustCerts(), "verification is on by default");
      KubernetesClientException e =
          assertThrows(
              KubernetesClientException.class, () -> client.configMaps().inNamespace("hub").list());
      assertTrue(causes(e, javax.net.ssl.SSLException.class), "refused by TLS: " + e);
    }
    // The same server answers a client told to trust it: the refusal above was the verification.
    try (KubernetesClient trusting =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:" + server.getPort())
                    .withTrustCerts(true)
                    .build())
            .build()) {
      assertEquals(0, trusting.configMaps().inNamespace("hub").list().getItems().size());
    }
  }

  static boolean causes(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
