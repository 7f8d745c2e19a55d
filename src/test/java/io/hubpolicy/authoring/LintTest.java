package io.hubpolicy.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.RuleSource;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each lint code on a configuration that triggers it and on a near miss that must not, with the
 * file, line and field it names; and none of the codes that mean "likely wrong" on the compat
 * configurations of the repository.
 */
class LintTest {
  @TempDir Path tmp;

  static LintReport lint(String yaml, String... drl) {
    return lint(List.of(new ConfigSource("p.yaml", yaml)), null, drl);
  }

  static LintReport lint(List<ConfigSource> sources, Path manifests, String... drl) {
    List<RuleSource> rules = new ArrayList<>(Engines.builtinRules());
    for (int i = 0; i < drl.length; i++) {
      rules.add(new RuleSource("policy-" + i + ".drl", drl[i]));
    }
    List<Problem> clusterProblems = new ArrayList<>();
    var cluster = manifests == null ? null : ManifestObjects.read(manifests, clusterProblems);
    return Lint.run(
        new Lint.Input(sources, rules, List.of(), List.of(), cluster, clusterProblems, null));
  }

  static LintFinding only(LintReport r, String code) {
    List<LintFinding> f = r.withCode(code);
    assertEquals(1, f.size(), code + " once in:\n" + r.text());
    return f.get(0);
  }

  static void none(LintReport r, String code) {
    assertEquals(List.of(), r.withCode(code), code + " must not be reported:\n" + r.text());
  }

  // ---------------------------------------------------------------- exceptions

  @Test
  void anExpiredExceptionIsAWarningAtItsLineAndALiveOneIsNot() {
    String drl =
        """
        package t;
        import io.hubpolicy.engine.facts.Outcome;
        import io.hubpolicy.engine.facts.Spawn;
        rule "Mallory is suspended"
        when
            Spawn( user == "mallory" )
            $o : Outcome()
        then
            $o.deny("suspended");
        end
        """;
    LintReport r =
        lint(
            """
            profiles:
            - name: base
              env: [{name: A, value: '1'}]
            exceptions:
            - name: old demo
              users: [mallory]
              rules: [Mallory is suspended]
              until: 2020-01-31
              reason: long over
            - name: next demo
              users: [mallory]
              rules: [Mallory is suspended]
              until: 2999-01-31
              reason: to come
            """,
            drl);
    LintFinding f = only(r, "expired-exception");
    assertEquals(5, f.line(), r.text());
    assertTrue(f.message().contains("'old demo' expired at 2020-02-01T00:00:00Z"), f.message());
  }

  // ---------------------------------------------------------------- names and variables

  @Test
  void duplicateProfileIsAnErrorAtTheSecondProfile() {
    LintReport r =
        lint(
            """
            profiles:
            - name: base
              env: [{name: A, value: '1'}]
            - name: base
              env: [{name: B, value: '2'}]
            """);
    LintFinding f = only(r, "duplicate-profile");
    assertEquals("p.yaml", f.file());
    assertEquals(4, f.line());
    assertEquals("profiles[1]", f.field());
    assertEquals(LintCode.Severity.ERROR, f.severity());
    assertTrue(f.message().contains("p.yaml:2"), f.message());
    assertEquals(LintReport.ERRORS, r.exitCode(false));
  }

  @Test
  void sameNameInALaterSourceIsAnOverlayNotADuplicate() {
    LintReport r =
        lint(
            List.of(
                new ConfigSource(
                    "a.yaml", "profiles:\n- name: base\n  env: [{name: A, value: '1'}]\n"),
                new ConfigSource("b.yaml", "profiles:\n- name: base\n  gpu: 1\n")),
            null);
    none(r, "duplicate-profile");
    assertEquals("a.yaml", only(r, "redefined-profile").file());
    assertEquals(LintReport.CLEAN, r.exitCode(true));
  }

  @Test
  void duplicateEnvNamesTheSecondEntryAndTheFirstLine() {
    LintReport r =
        lint(
            """
            profiles:
            - name: base
              env:
              - {name: A, value: '1'}
              - {name: B, value: '2'}
              - {name: A, value: '3'}
            - name: other
              users: [ann]
              env: [{name: A, value: '4'}]
            """);
    LintFinding f = only(r, "duplicate-env");
    assertEquals(6, f.line());
    assertEquals("profiles[0].env[2]", f.field());
    assertTrue(f.message().contains("first at line 4"), f.message());
    assertEquals(LintReport.WARNINGS, r.exitCode(true));
    assertEquals(LintReport.CLEAN, r.exitCode(false));
  }

  // ---------------------------------------------------------------- shadowing

  @Test
  void shadowedProfileNamesEveryProfileThatShadowsIt() {
    LintReport r =
        lint(
            """
            profiles:
            - name: early
              users: [ann]
              images: ['nb:1']
              env: [{name: A, value: '1'}]
              resources: {limits: {cpu: '1'}}
            - name: everyone-a
              env: [{name: A, value: '2'}]
            - name: nb-cpu
              images: ['nb']
              resources: {limits: {cpu: '2'}}
            """);
    LintFinding f = only(r, "shadowed-profile");
    assertEquals(2, f.line());
    assertEquals(LintCode.Severity.WARNING, f.severity());
    assertTrue(f.message().contains("'everyone-a' at p.yaml:7"), f.message());
    assertTrue(f.message().contains("'nb-cpu' at p.yaml:9"), f.message());
    none(r, "overridden-field");
  }

  @Test
  void notShadowedWhenALaterProfileCoversOnlySomeOfItsRequests() {
    // A later profile for one image does not cover a profile for every image; a group does not
    // cover a user (ann may not be in it); tolerations add up rather than replace.
    LintReport r =
        lint(
            """
            profiles:
            - name: any-image
              env: [{name: A, value: '1'}]
            - name: only-nb
              images: ['nb:1']
              env: [{name: A, value: '2'}]
            - name: ann
              users: [ann]
              env: [{name: B, value: '1'}]
            - name: staff
              groups: [staff]
              env: [{name: B, value: '2'}]
            - name: tolerant
              env: [{name: C, value: '1'}]
              node_tolerations: [{key: gpu, operator: Exists}]
            - name: c-for-all
              env: [{name: C, value: '2'}]
            """);
    none(r, "shadowed-profile");
    // The tolerant profile's C is still overwritten: that is the one field said.
    LintFinding f = only(r, "overridden-field");
    assertEquals("profiles[4].env[0]", f.field());
    assertTrue(f.message().contains("'c-for-all'"), f.message());
  }

  @Test
  void overriddenFieldIsAnInfoAtTheFieldsLine() {
    LintReport r =
        lint(
            """
            profiles:
            - name: base
              env:
              - {name: A, value: '1'}
              - {name: KEEP, value: '1'}
              resources: {limits: {memory: 2Gi}}
            - name: later
              groups: [staff]
              env: [{name: A, value: '2'}]
            - name: everyone-memory
              resources: {limits: {memory: 4Gi}}
            """);
    LintFinding f = only(r, "overridden-field");
    assertEquals(6, f.line());
    assertEquals("profiles[0].resources.limits.memory", f.field());
    assertEquals(LintCode.Severity.INFO, f.severity());
    none(r, "shadowed-profile");
    assertEquals(LintReport.CLEAN, r.exitCode(true));
  }

  @Test
  void aProfileTheRulesNameIsNeverSaidToDoNothing() {
    String yaml =
        """
        profiles:
        - name: early
          env: [{name: A, value: '1'}]
        - name: late
          env: [{name: A, value: '2'}]
        """;
    only(lint(yaml), "shadowed-profile");
    String drl =
        """
        package test;
        import io.hubpolicy.engine.facts.Outcome;
        rule "early applied"
        when
            $o : Outcome( profiles contains "early" )
        then
        end
        """;
    none(lint(yaml, drl), "shadowed-profile");
  }

  // ---------------------------------------------------------------- unmatchable

  @Test
  void unmatchableProfileWhenItsImagesAreNotInTheCatalog() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    Files.writeString(dir.resolve("images.yaml"), MANIFEST_IMAGE_STREAM);
    String yaml =
        """
        profiles:
        - name: gone
          images: ['retired-notebook:1', 'old-*']
          env: [{name: A, value: '1'}]
        - name: everyone-omitted
          env: [{name: B, value: '1'}]
        - name: everyone-empty
          users: []
          groups: []
          images: []
          env: [{name: C, value: '1'}]
        - name: catalogued
          images: ['s2i-minimal-notebook:py3.9']
          env: [{name: D, value: '1'}]
        """;
    LintReport r = lint(List.of(new ConfigSource("p.yaml", yaml)), dir);
    LintFinding f = only(r, "unmatchable-profile");
    assertEquals(3, f.line());
    assertEquals("profiles[0].images", f.field());
    assertTrue(f.message().contains("ImageStreams"), f.message());
    // Without a catalog, any image may be requested: nothing to say.
    none(lint(yaml), "unmatchable-profile");
  }

  @Test
  void unmatchableProfileWhenItsUsersAreNamesNoRequestCarries() {
    LintReport r =
        lint(
            """
            profiles:
            - name: typo
              users: ['ann/smith', ' bob']
              env: [{name: A, value: '1'}]
            - name: fine
              users: [ann.smith]
              groups: ['data science']
              env: [{name: A, value: '2'}]
            """);
    LintFinding f = only(r, "unmatchable-profile");
    assertEquals("profiles[0].users", f.field());
  }

  // ---------------------------------------------------------------- sizes

  @Test
  void unusedSizeWhenTheSameSourceDefinesItTwice() {
    LintReport r =
        lint(
            """
            profiles: []
            sizes:
            - name: Small
              resources: {limits: {cpu: '1'}}
            - name: Large
              resources: {limits: {cpu: '8'}}
            - name: Small
              resources: {limits: {cpu: '2'}}
            """);
    LintFinding f = only(r, "unused-size");
    assertEquals(3, f.line());
    assertEquals("sizes[0]", f.field());
  }

  @Test
  void unknownSizeReferenceInARule() {
    String yaml =
        """
        profiles: []
        sizes:
        - name: Large
          resources: {limits: {cpu: '8'}}
        """;
    String drl =
        """
        package test;
        import io.hubpolicy.engine.facts.Outcome;
        import io.hubpolicy.engine.facts.Spawn;
        rule "No huge for interns"
        when
            Spawn( groups contains "interns", size == "Huge" || size == "Large" )
            $o : Outcome()
        then
            modify ( $o ) { deny( "no" ) }
        end
        """;
    LintReport r = lint(yaml, drl);
    LintFinding f = only(r, "unknown-size-reference");
    assertEquals("policy-0.drl", f.file());
    assertEquals(6, f.line());
    assertEquals("rule \"No huge for interns\"", f.field());
    assertTrue(f.message().contains("'Huge'") && f.message().contains("sizes: Large"), f.message());
    none(lint(yaml, drl.replace("Huge", "Large")), "unknown-size-reference");
  }

  // ---------------------------------------------------------------- the cluster

  static final String MANIFEST_IMAGE_STREAM =
      """
      apiVersion: image.openshift.io/v1
      kind: ImageStream
      metadata:
        name: s2i-minimal-notebook
        labels: {opendatahub.io/notebook-image: 'true'}
      spec:
        tags:
        - name: py3.9
      status:
        dockerImageRepository: registry.local/jupyterhub/s2i-minimal-notebook
        tags:
        - tag: py3.9
          items: [{dockerImageReference: 'quay.io/odh/minimal@sha256:1', image: 'sha256:1'}]
      """;

  static final String REFERENCES =
      """
      profiles:
      - name: refs
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: s3, key: token}}
        - name: MISSING_KEY
          valueFrom: {secretKeyRef: {name: s3, key: nope}}
        - name: OPTIONAL
          valueFrom: {secretKeyRef: {name: gone, key: x, optional: true}}
        - name: SETTING
          valueFrom: {configMapKeyRef: {name: settings, key: url}}
        volumes:
        - name: data
          mountPath: /data
          persistentVolumeClaim: {claimName: shared-data}
        - name: scratch
          mountPath: /scratch
          persistentVolumeClaim: {claimName: no-such-claim}
        services:
          spark:
            resources: [{name: spark-templates, path: cluster}]
      sizes:
      - name: Small
        resources: {requests: {cpu: '1', memory: 2Gi}}
      - name: Huge
        resources: {requests: {cpu: '64', memory: 1Ti}}
      """;

  static final String CLUSTER =
      """
      apiVersion: v1
      kind: List
      items:
      - apiVersion: v1
        kind: Secret
        metadata: {name: s3}
        data: {token: dG9rZW4=}
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {url: 'http://x'}
      - apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: shared-data}
      - apiVersion: v1
        kind: Node
        metadata: {name: worker-1}
        status:
          allocatable: {cpu: '4', memory: 16Gi}
          conditions: [{type: Ready, status: 'True'}]
      """;

  @Test
  void missingReferencesAndUnschedulableSizesAgainstManifests() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    Files.writeString(dir.resolve("objects.yaml"), CLUSTER);
    LintReport r = lint(List.of(new ConfigSource("p.yaml", REFERENCES)), dir);
    List<LintFinding> missing = r.withCode("missing-reference");
    List<String> fields = missing.stream().map(LintFinding::field).toList();
    assertEquals(
        List.of(
            "profiles[0].env[1].valueFrom.secretKeyRef",
            "profiles[0].volumes[1].persistentVolumeClaim",
            "profiles[0].services.spark"),
        fields,
        r.text());
    assertEquals(6, missing.get(0).line());
    assertTrue(missing.get(0).message().contains("key 'nope'"), missing.get(0).message());
    assertTrue(missing.get(1).message().contains("'no-such-claim'"), missing.get(1).message());
    assertTrue(missing.get(2).message().contains("'spark-templates'"), missing.get(2).message());
    LintFinding big = only(r, "unschedulable-size");
    assertEquals("sizes[1]", big.field());
    assertTrue(big.message().contains("'Huge'"), big.message());
    assertEquals(LintReport.ERRORS, r.exitCode(false));

    // The same configuration without the cluster: nothing is known to be missing.
    LintReport files = lint(REFERENCES);
    none(files, "missing-reference");
    none(files, "unschedulable-size");
  }

  @Test
  void aKindTheManifestsDoNotHoldIsNotReportedMissing() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cluster"));
    Files.writeString(dir.resolve("images.yaml"), MANIFEST_IMAGE_STREAM);
    LintReport r = lint(List.of(new ConfigSource("p.yaml", REFERENCES)), dir);
    none(r, "missing-reference");
  }

  // ---------------------------------------------------------------- compat

  static final List<List<String>> COMPAT_SETS =
      List.of(
          List.of("jsp-9fae848-openshift-example-configmap.yaml"),
          List.of("jupyterhub-odh-a9ca2e5-jupyterhub-singleuser-profile.cm.yaml"),
          List.of(
              "odh-manifests-0d4b37e-jupyterhub-singleuser-profiles-configmap-classic.yaml",
              "odh-manifests-0d4b37e-jupyterhub-spark-operator-template-USERNAME.yaml"),
          List.of(
              "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-configmap.yaml",
              "odh-manifests-4b0ea7e-jupyterhub-singleuser-profiles-sizes-configmap.yaml",
              "odh-manifests-4b0ea7e-jupyterhub-spark-operator-configmap.yaml",
              "odh-manifests-f64f5b2-overrides-sizes-configmap.yaml",
              "odh-manifests-f64f5b2-overrides-ui-config-ui.configmap.yaml"));

  @Test
  void noFalsePositiveOnTheCompatConfigurations() {
    Path compat = io.hubpolicy.profiles.CompatTest.compatDir();
    int files = 0;
    for (List<String> set : COMPAT_SETS) {
      List<Problem> problems = new ArrayList<>();
      List<ConfigSource> sources =
          ConfigSources.fromPaths(set.stream().map(compat::resolve).toList(), problems);
      assertEquals(List.of(), problems);
      files += sources.size();
      LintReport r = lint(sources, null);
      // The overlay (f64f5b2) replaces the sizes on purpose: that note is all there may be.
      List<LintFinding> unexpected =
          r.findings().stream().filter(f -> !f.code().equals("redefined-size")).toList();
      assertEquals(List.of(), unexpected, set + ":\n" + r.text());
    }
    try (var all = Files.list(compat)) {
      assertEquals(
          all.filter(f -> f.toString().endsWith(".yaml")).count(), files, "every compat file");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theWholeCompatDirectoryHasNoErrorAndOnlyTheTemplateWarningValidateGivesToo() {
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> sources =
        ConfigSources.fromPaths(List.of(io.hubpolicy.profiles.CompatTest.compatDir()), problems);
    LintReport r =
        Lint.run(
            new Lint.Input(
                sources,
                Engines.builtinRules(),
                problems,
                List.of(),
                null,
                List.of(),
                c ->
                    new io.hubpolicy.services.ServicePlanner(
                        new io.hubpolicy.services.TemplateRenderer(),
                        io.hubpolicy.services.TemplateSource.configured(c::templates))));
    assertEquals(0, r.counts().get(LintCode.Severity.ERROR), r.text());
    // Mixing the 2019 example with a later ConfigMap's template: that service cannot render.
    List<LintFinding> warnings =
        r.findings().stream().filter(f -> f.severity() == LintCode.Severity.WARNING).toList();
    assertEquals(1, warnings.size(), r.text());
    assertEquals("service-template", warnings.get(0).code());
    assertTrue(warnings.get(0).message().contains("$worker_nodes"), warnings.get(0).message());
  }
}
