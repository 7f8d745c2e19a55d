package io.hubpolicy.profiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.PodField;
import io.hubpolicy.model.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * KubeSpawner's pod fields and placeholders load strictly: fabric8's types, unknown keys and bad
 * placeholders reported with file, line and field, never at a spawn.
 */
class PodSettingsLoadTest {
  static List<Problem> problems(String yaml) {
    return new ProfileLoader()
        .read(List.of(new io.hubpolicy.profiles.ConfigSource("p.yaml", yaml)))
        .problems();
  }

  static Problem only(String yaml) {
    List<Problem> p = problems(yaml);
    assertEquals(1, p.size(), p::toString);
    return p.get(0);
  }

  @Test
  void everyFieldLoadsIntoItsType() {
    var r =
        new ProfileLoader()
            .read(
                List.of(
                    new ConfigSource(
                        "p.yaml",
                        """
                        profiles:
                        - name: all
                          node_selector: {disktype: ssd}
                          extra_labels: {a: b}
                          extra_annotations: {c: d}
                          service_account: sa
                          priority_class_name: high
                          image_pull_secrets: [one, {name: two}]
                          init_containers: [{name: i, image: busybox}]
                          extra_containers: [{name: s, image: proxy}]
                          uid: 1000
                          gid: 100
                          fs_gid: 100
                          supplemental_gids: [1, 2]
                          pod_security_context: {runAsNonRoot: true}
                          container_security_context: {readOnlyRootFilesystem: true}
                          lifecycle_hooks: {preStop: {exec: {command: [sh]}}}
                        sizes:
                        - name: S
                          resources: {limits: {cpu: '1'}}
                          node_selector: {pool: s}
                        """)));
    assertEquals(List.of(), r.problems());
    assertEquals(
        PodField.values().length,
        r.config().profiles().get(0).pod().values().size(),
        "every KubeSpawner field of the table is read");
    assertEquals("s", r.config().sizes().get(0).pod().map(PodField.NODE_SELECTOR).get("pool"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          an unknown key of a container | init_containers: [{name: i, image: b, imagee: x}] | 3 | profiles[0].init_containers[0] | imagee
          a container without a name    | extra_containers: [{image: b}]                   | 3 | profiles[0].extra_containers[0].name | required
          a name twice                  | image_pull_secrets: [a, a]                        | 3 | profiles[0].image_pull_secrets[1].name | twice
          a negative uid                | uid: -1                                            | 3 | profiles[0].uid | uid
          a uid that is text            | uid: root                                          | 3 | profiles[0].uid | uid
          an unknown lifecycle hook     | 'lifecycle_hooks: {preStart: {exec: {command: [sh]}}}' | 3 | profiles[0].lifecycle_hooks | preStart
          a wrong security context key  | 'pod_security_context: {runAsNobody: true}'        | 3 | profiles[0].pod_security_context | runAsNobody
          a label that is a list        | 'extra_labels: {a: [1]}'                           | 3 | profiles[0].extra_labels | a
          an unknown placeholder        | 'extra_labels: {a: "x-{user}"}'                    | 3 | profiles[0].extra_labels.a | {user}
          an unknown key                | 'node_selectr: {a: b}'                             | 3 | profiles[0] | node_selectr
          """)
  void aBadFieldIsAProblemWithItsLine(
      String what, String line, int at, String field, String named) {
    Problem p = only("profiles:\n- name: p\n  " + line + "\n");
    assertEquals("p.yaml", p.source(), what);
    assertEquals(at, p.line(), () -> what + ": " + p);
    assertTrue(p.field().startsWith(field), () -> what + ": " + p);
    assertTrue(p.toString().contains(named), () -> what + ": " + p);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          env value            | 'env: [{name: A, value: "{usernme}"}]'                               | usernme
          claim name           | 'volumes: [{name: v, mountPath: /v, persistentVolumeClaim: {claimName: "c-{nope}"}}]' | nope
          sub-path             | 'volumes: [{name: v, mountPath: /v, emptyDir: {}, subPath: "{home"}]'  | not closed
          a lone closing brace | 'env: [{name: A, value: "a}b"}]'                                     | closes nothing
          """)
  void placeholdersAreCheckedWhenLoaded(String what, String line, String named) {
    Problem p = only("profiles:\n- name: p\n  " + line + "\n");
    assertEquals(3, p.line(), () -> what + ": " + p);
    assertTrue(p.toString().contains(named), () -> what + ": " + p);
  }
}
