package io.hubpolicy.engine;

import static io.hubpolicy.engine.Engines.decide;
import static io.hubpolicy.engine.Engines.ruleBase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Toleration;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.NotApplied;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Pins each semantic rule of the README's "Semantics" section. */
class SemanticsTest {

  static Map<String, String> env(Decision d) {
    return d.env().stream()
        .filter(e -> e.getValue() != null)
        .collect(
            Collectors.toMap(
                EnvVar::getName, EnvVar::getValue, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  static List<String> envNames(Decision d) {
    return d.env().stream().map(EnvVar::getName).toList();
  }

  static String limit(Decision d, String key) {
    var q = d.resources().getLimits().get(key);
    return q == null ? null : q.toString();
  }

  static String request(Decision d, String key) {
    var q = d.resources().getRequests().get(key);
    return q == null ? null : q.toString();
  }

  @Nested
  class UserCondition {
    final RuleBase rb =
        ruleBase(
            """
            profiles:
            - name: nobody-named
            - name: star
              users: ['*']
            - name: alice-only
              users: [alice]
            - name: admins
              groups: [admins]
            - name: empty-lists
              users: []
              groups: []
            - name: alice-or-ops
              users: [alice]
              groups: [ops]
            """);

    @Test
    void noUsersAndNoGroupsMeansEveryone() {
      assertTrue(
          decide(rb, "zoe", null, null)
              .profiles()
              .containsAll(List.of("nobody-named", "empty-lists")));
    }

    @Test
    void starInUsersMeansEveryone() {
      assertTrue(decide(rb, "zoe", null, null).profiles().contains("star"));
    }

    @Test
    void namedUserMatchesExactlyAndCaseSensitively() {
      assertTrue(decide(rb, "alice", null, null).profiles().contains("alice-only"));
      assertTrue(!decide(rb, "Alice", null, null).profiles().contains("alice-only"));
      assertTrue(!decide(rb, "alice2", null, null).profiles().contains("alice-only"));
    }

    @Test
    void oneOfTheUsersGroupsMatches() {
      assertTrue(decide(rb, "zoe", null, null, "devs", "admins").profiles().contains("admins"));
      assertTrue(!decide(rb, "zoe", null, null, "Admins").profiles().contains("admins"));
      assertTrue(decide(rb, "zoe", null, null, "ops").profiles().contains("alice-or-ops"));
      assertTrue(decide(rb, "alice", null, null).profiles().contains("alice-or-ops"));
    }

    @Test
    void groupsAloneDoNotOpenAProfileToEveryone() {
      assertEquals(
          List.of("nobody-named", "star", "empty-lists"), decide(rb, "zoe", null, null).profiles());
    }

    @Test
    void notAppliedSaysWhy() {
      Decision d = decide(rb, "bob", null, null);
      Map<String, String> why =
          d.notApplied().all().stream()
              .collect(Collectors.toMap(NotApplied::profile, NotApplied::reason));
      assertEquals("user 'bob' not in users [alice]", why.get("alice-only"));
      assertEquals(
          "user 'bob' not in users [] and none of the user's groups [] in groups [admins]",
          why.get("admins"));
      assertEquals(3, why.size());
    }
  }

  @Nested
  class ImageCondition {
    final RuleBase rb =
        ruleBase(
            """
            profiles:
            - name: any-image
            - name: exact
              images: ['s2i-thoth-notebook:3.6']
            - name: glob
              images: ['s2i-spark-*']
            - name: tagless
              images: ['quay.io/odh/minimal-notebook']
            - name: port-registry
              images: ['registry:5000/nb']
            """);

    List<String> profilesFor(String image) {
      return decide(rb, "u", image, null).profiles();
    }

    @Test
    void noImagesMeansEveryImage() {
      assertEquals(List.of("any-image"), profilesFor("whatever:1"));
    }

    @Test
    void exactEntryMatchesOnlyThatTag() {
      assertTrue(profilesFor("s2i-thoth-notebook:3.6").contains("exact"));
      assertTrue(!profilesFor("s2i-thoth-notebook:3.7").contains("exact"));
      assertTrue(!profilesFor("s2i-thoth-notebook").contains("exact"));
    }

    @Test
    void globEntriesMatchWithStar() {
      assertTrue(profilesFor("s2i-spark-minimal-notebook:3.6").contains("glob"));
      assertTrue(profilesFor("s2i-spark-scipy-notebook:py36").contains("glob"));
      assertTrue(!profilesFor("my-s2i-spark-notebook:1").contains("glob"));
    }

    @Test
    void entryWithoutTagMatchesEveryTagOfThatImage() {
      assertTrue(profilesFor("quay.io/odh/minimal-notebook:2023.1").contains("tagless"));
      assertTrue(profilesFor("quay.io/odh/minimal-notebook").contains("tagless"));
      assertTrue(profilesFor("quay.io/odh/minimal-notebook@sha256:abc").contains("tagless"));
      assertTrue(!profilesFor("quay.io/odh/minimal-notebook-gpu:1").contains("tagless"));
    }

    @Test
    void registryPortIsNotATag() {
      assertTrue(profilesFor("registry:5000/nb:1.0").contains("port-registry"));
      assertTrue(!profilesFor("registry:5001/nb:1.0").contains("port-registry"));
    }

    @Test
    void notAppliedNamesTheImage() {
      String reason =
          decide(rb, "u", "other:1", null).notApplied().all().stream()
              .filter(n -> n.profile().equals("exact"))
              .findFirst()
              .orElseThrow()
              .reason();
      assertEquals("image 'other:1' matches none of images [s2i-thoth-notebook:3.6]", reason);
    }
  }

  @Nested
  class LastMatchWins {
    final RuleBase rb =
        ruleBase(
            """
            profiles:
            - name: first
              env: [{name: A, value: a1}, {name: B, value: b1}]
              resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {memory: 2Gi}}
              node_tolerations:
              - {key: k1, operator: Exists, effect: NoSchedule}
              node_affinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
                preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 1
                  preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: old}, mountPath: data}
              - {name: shared, persistentVolumeClaim: {claimName: shared}, mountPath: /shared}
              services:
                spark: {template: old-template}
                airflow: {template: airflow}
              gpu: 2
            - name: second
              env:
                B: b2
                C: c2
              resources: {limits: {memory: 4Gi, nvidia.com/gpu: 1}}
              node_tolerations:
              - {key: k1, operator: Exists, effect: NoSchedule}
              - {key: k2, operator: Exists}
              node_affinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [b]}]}]
              volumes:
              - {name: data, persistentVolumeClaim: {claimName: new}, mountPath: /data}
              services:
                spark: {template: new-template}
              gpu: 0
            - name: third
              env: [{name: A, value: a3}]
            """);
    final Decision d = decide(rb, "u", null, null);

    @Test
    void profilesApplyInConfigurationOrder() {
      assertEquals(List.of("first", "second", "third"), d.profiles());
      assertEquals(
          List.of(1_000_000, 999_999, 999_998),
          d.firedRules().stream().filter(f -> f.profile() != null).map(f -> f.salience()).toList());
    }

    @Test
    void envByNameLastValueFirstPosition() {
      assertEquals(List.of("A", "B", "C", "JUPYTERHUB_USER_NAME", "MEM_LIMIT"), envNames(d));
      assertEquals("a3", env(d).get("A"));
      assertEquals("b2", env(d).get("B"));
      assertEquals("c2", env(d).get("C"));
    }

    @Test
    void resourcesPerKey() {
      assertEquals("100m", request(d, "cpu"));
      assertEquals("1Gi", request(d, "memory"));
      assertEquals("4Gi", limit(d, "memory"));
      assertEquals("1", limit(d, "nvidia.com/gpu"));
    }

    @Test
    void tolerationsAppendedWithoutExactDuplicates() {
      assertEquals(List.of("k1", "k2"), d.tolerations().stream().map(Toleration::getKey).toList());
    }

    @Test
    void nodeAffinityPerTopLevelKey() {
      var na = d.affinity().getNodeAffinity();
      assertEquals(
          "b",
          na.getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms()
              .get(0)
              .getMatchExpressions()
              .get(0)
              .getValues()
              .get(0));
      assertEquals(
          "disk",
          na.getPreferredDuringSchedulingIgnoredDuringExecution()
              .get(0)
              .getPreference()
              .getMatchExpressions()
              .get(0)
              .getKey());
    }

    @Test
    void volumesByName() {
      assertEquals(2, d.volumes().size());
      assertEquals("new", d.volumes().get(0).volume().getPersistentVolumeClaim().getClaimName());
      assertEquals("/data", d.volumes().get(0).mountPath());
      assertEquals("shared", d.volumes().get(1).name());
    }

    @Test
    void servicesByName() {
      assertEquals("new-template", d.services().get("spark").template());
      assertEquals("airflow", d.services().get("airflow").template());
    }

    @Test
    void gpuFromLastWriter() {
      assertEquals(0, d.gpu());
      assertTrue(d.firedRules().stream().noneMatch(f -> f.rule().startsWith("A GPU count")));
    }

    @Test
    void explanationNamesWhoSetEachFieldAndWhatItOverrode() {
      FieldTrace a = d.fields().get("env.A");
      assertEquals("a3", a.value());
      assertEquals("third", a.setBy().profile());
      assertEquals(List.of("a1"), a.overrode().stream().map(FieldTrace.Overridden::value).toList());
      assertEquals("first", a.overrode().get(0).setBy().profile());
      FieldTrace mem = d.fields().get("resources.limits.memory");
      assertEquals("second", mem.setBy().profile());
      assertEquals("Apply matching profile", mem.setBy().rule());
    }

    @Test
    void aProfileWithoutResourcesBeforeOneWithResourcesIsFine() {
      // Old-system defect 2: None is not a mapping.
      RuleBase r2 =
          ruleBase(
              """
              - name: bare
              - name: with-resources
                resources: {limits: {cpu: '1'}}
              - name: bare-again
                resources: {}
              """);
      assertEquals("1", limit(decide(r2, "u", null, null), "cpu"));
    }

    @Test
    void envIsNeverDuplicated() {
      // Old-system defect 5: concatenated env lists.
      assertEquals(envNames(d).size(), envNames(d).stream().distinct().count());
    }
  }

  @Nested
  class Sizes {
    final RuleBase rb =
        ruleBase(
            """
            profiles:
            - name: base
              resources: {requests: {cpu: 250m, memory: 1Gi}, limits: {cpu: '1', memory: 2Gi}}
            sizes:
            - name: Small
              resources: {requests: {cpu: '1'}, limits: {cpu: '2'}}
            - name: Large
              resources: {limits: {memory: 8Gi}}
            - name: Small
              resources: {requests: {cpu: 500m}}
            """);

    @Test
    void sizeAppliesAfterProfilesPerKey() {
      Decision d = decide(rb, "u", null, "Large");
      assertEquals("8Gi", limit(d, "memory"));
      assertEquals("1", limit(d, "cpu"));
      assertEquals("250m", request(d, "cpu"));
      assertEquals(
          "base", d.fields().get("resources.limits.memory").overrode().get(0).setBy().profile());
      assertEquals(
          "The chosen size applies after every profile",
          d.fields().get("resources.limits.memory").setBy().rule());
    }

    @Test
    void absentEmptyOrDefaultMeansNoSize() {
      for (String none : new String[] {null, "", "Default"}) {
        Decision d = decide(rb, "u", null, none);
        assertEquals("2Gi", limit(d, "memory"));
        assertNull(d.size());
        assertTrue(
            d.firedRules().stream().noneMatch(f -> f.rule().contains("size")),
            "size rule fired for " + none);
      }
    }

    @Test
    void unknownSizeIsAnErrorListingValidSizes() {
      InvalidRequestException e =
          assertThrows(InvalidRequestException.class, () -> decide(rb, "u", null, "Huge"));
      assertEquals("size", e.field());
      assertEquals(
          "unknown size 'Huge'; valid sizes: Large, Small, or Default for none", e.getMessage());
    }

    @Test
    void sizesWithTheSameNameLastWins() {
      Decision d = decide(rb, "u", null, "Small");
      assertEquals("500m", request(d, "cpu"));
      assertEquals("1", limit(d, "cpu"));
    }
  }

  @Test
  void missingUserIsAnError() {
    RuleBase rb = ruleBase("profiles: []");
    assertEquals(
        "user",
        assertThrows(InvalidRequestException.class, () -> decide(rb, " ", null, null)).field());
  }

  @Test
  void everyDecisionHasAnIdAndTheRevision() {
    RuleBase rb = ruleBase("profiles: [{name: x}]");
    Decision a = decide(rb, "u", null, null);
    Decision b = decide(rb, "u", null, null);
    assertTrue(a.decisionId().startsWith("d-"));
    assertTrue(!a.decisionId().equals(b.decisionId()));
    assertEquals(rb.revision(), a.revision());
    assertEquals(12, a.revision().length());
    assertEquals(
        rb.revision(), ruleBase("profiles: [{name: x}]").revision(), "same inputs, same revision");
    assertTrue(!rb.revision().equals(ruleBase("profiles: [{name: y}]").revision()));
  }
}
