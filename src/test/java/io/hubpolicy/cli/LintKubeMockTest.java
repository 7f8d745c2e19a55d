package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.hubpolicy.cli.CliTest.Run;
import io.hubpolicy.kube.MockKube;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/**
 * {@code hubpolicy lint --kube} end to end against fabric8's mock API server: the client is built
 * as {@code serve --kube} builds it (here from system properties), the namespace is listed, and a
 * reference to a Secret key the cluster does not hold is an error, one it holds is not.
 */
@ResourceLock(Resources.SYSTEM_OUT)
@ResourceLock(Resources.SYSTEM_ERR)
@ResourceLock(Resources.SYSTEM_PROPERTIES)
class LintKubeMockTest {
  static final String NS = "jupyterhub";
  @TempDir Path tmp;
  MockKube kube;
  final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void start() {
    kube = MockKube.start();
    kube.client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("s3")
                .endMetadata()
                .withData(Map.of("token", "dA=="))
                .build())
        .create();
    setProperty("kubernetes.master", kube.client.getMasterUrl().toString());
    setProperty("kubernetes.auth.tryKubeConfig", "false");
    setProperty("kubernetes.auth.tryServiceAccount", "false");
  }

  void setProperty(String k, String v) {
    saved.put(k, System.getProperty(k));
    System.setProperty(k, v);
  }

  @AfterEach
  void stop() {
    kube.close();
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
  void missingSecretKeyIsAnErrorAndAPresentOneIsNot() throws Exception {
    Path p =
        Files.writeString(
            tmp.resolve("p.yaml"),
            """
            profiles:
            - name: s3
              env:
              - name: TOKEN
                valueFrom: {secretKeyRef: {name: s3, key: token}}
              - name: SECRET
                valueFrom: {secretKeyRef: {name: s3, key: secret}}
            """);
    Run r = CliTest.run("lint", "--kube", "--namespace", NS, "--profiles", p.toString());
    CliTest.assertNoStackTrace(r);
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(
        r.out().contains(p + ":6: error missing-reference: profiles[0].env[1].valueFrom"), r.out());
    assertTrue(r.out().contains("key 'secret', which it does not have (keys: token)"), r.out());
    assertFalse(r.out().contains("env[0]"), r.out());
    assertTrue(r.err().contains("compared with namespace " + NS + " at "), r.err());
  }
}
