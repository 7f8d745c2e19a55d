package io.hubpolicy.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SecretTokensMockTest {
  static final String NS = "hub";
  MockKube kube;

  @BeforeEach
  void start() {
    kube = MockKube.start();
  }

  @AfterEach
  void stop() {
    kube.close();
  }

  Secret secret(String key, String value) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("hubpolicy-token")
        .withNamespace(NS)
        .endMetadata()
        .addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  @Test
  void readsTheTokenKeyByDefaultAndAnotherKeyWhenNamed() {
    kube.client.secrets().inNamespace(NS).resource(secret("token", "from-secret\n")).create();
    try (SecretTokens t = SecretTokens.of(kube.client, NS, "hubpolicy-token")) {
      assertEquals(List.of("from-secret"), t.current());
      assertTrue(t.accepts("from-secret"));
      assertEquals("Secret hub/hubpolicy-token key token", t.describe());
    }
    kube.client.secrets().inNamespace(NS).withName("hubpolicy-token").delete();
    kube.client.secrets().inNamespace(NS).resource(secret("hub", "a\nb\n")).create();
    try (SecretTokens t = SecretTokens.of(kube.client, NS, "hubpolicy-token/hub")) {
      assertEquals(List.of("a", "b"), t.current());
    }
  }

  @Test
  void aMissingSecretOrKeyIsRefusedAtStartNamingIt() {
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class, () -> SecretTokens.of(kube.client, NS, "absent"));
    assertTrue(
        none.getMessage().contains("Secret hub/absent key token: no such Secret"),
        none.getMessage());

    kube.client.secrets().inNamespace(NS).resource(secret("other", "x")).create();
    IllegalArgumentException key =
        assertThrows(
            IllegalArgumentException.class,
            () -> SecretTokens.of(kube.client, NS, "hubpolicy-token"));
    assertTrue(key.getMessage().contains("has no key 'token'"), key.getMessage());
  }

  @Test
  void aRotatedSecretIsPickedUpAndAnEmptiedOneKeepsTheOldTokens() throws Exception {
    kube.client.secrets().inNamespace(NS).resource(secret("token", "first")).create();
    try (SecretTokens t =
        new SecretTokens(kube.client, NS, "hubpolicy-token", "token", Duration.ofMillis(100))) {
      assertTrue(t.accepts("first"));
      kube.client.secrets().inNamespace(NS).resource(secret("token", "second")).update();
      await(() -> t.accepts("second"));
      assertFalse(t.accepts("first"));

      kube.client.secrets().inNamespace(NS).resource(secret("token", "")).update();
      kube.client.secrets().inNamespace(NS).withName("hubpolicy-token").delete();
      Thread.sleep(400);
      assertTrue(t.accepts("second"), "a deleted or emptied Secret does not lock the hub out");
    }
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("condition not met in 10 s");
      }
      Thread.sleep(50);
    }
  }
}
