package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.hubpolicy.kube.ApiCalls;
import io.hubpolicy.kube.ApiCalls.Call;
import io.hubpolicy.services.ServicesMockTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RBAC of each overlay grants every API call hubpolicy's code makes, and nothing it never makes
 * (unless listed below with the reason). The calls are derived from the code, not written down:
 * {@link ApiCalls} records what the code under test sends to fabric8's mock API server while the
 * mock tests of the whole composition root ({@link ServeKubeMockTest}) and of side services ({@link
 * ServicesMockTest}) run, and scans the sources for the resources they name, so that a resource no
 * mock test exercises shows up too.
 */
class DeployRbacIT {
  /** The mock tests whose calls are recorded: they must exercise every call the code makes. */
  static final Class<?>[] RECORDED = {
    ServeKubeMockTest.class, ServicesMockTest.class, ReplicasMockTest.class
  };

  /**
   * Grants no recorded call needs, each with its reason ("verb group/resource"). An entry whose
   * call the code now makes fails the test: remove it then.
   */
  static final Map<String, String> UNCALLED =
      Map.of(
          "get persistentvolumeclaims",
          "a side-service kind: a launch re-applies an object that exists (recorded for services);"
              + " the KubeTemplateSpawner test launches each claim once",
          "update persistentvolumeclaims",
          "a side-service kind: as get");

  private static Set<Call> recorded;

  static synchronized Set<Call> recorded() {
    if (recorded == null) {
      recorded = Set.copyOf(ApiCalls.recordWhile(RECORDED));
      System.err.println(
          "DeployRbacIT: the code's API calls, recorded: " + new TreeSet<>(recorded));
    }
    return recorded;
  }

  static Stream<String> overlays() {
    return RenderedOverlay.names().stream();
  }

  /** A grant: "verb group/resource" and whether it holds in every namespace (a ClusterRole). */
  record Grant(String key, boolean cluster) {}

  @ParameterizedTest
  @MethodSource("overlays")
  void rbacGrantsEveryCallTheCodeMakesAndNothingElse(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    if (!o.serve.kube) {
      // File mode: no API access at all.
      assertTrue(o.all(Role.class).isEmpty(), name + ": a Role without --kube");
      assertTrue(o.all(ClusterRole.class).isEmpty(), name + ": a ClusterRole without --kube");
      assertTrue(o.all(RoleBinding.class).isEmpty() && o.all(ClusterRoleBinding.class).isEmpty());
      return;
    }
    List<Grant> grants = grants(o);
    Set<Call> calls = recorded();
    Map<String, String> inSource = ApiCalls.resourcesInSource(Path.of("src/main/java"));
    Set<String> recordedResources = ApiCalls.groupResources(calls);
    // A resource the code names but no recorded test calls: its verbs are unknown.
    for (Map.Entry<String, String> e : inSource.entrySet()) {
      assertTrue(
          recordedResources.contains(e.getKey()),
          e.getValue()
              + " calls "
              + e.getKey()
              + ", which none of DeployRbacIT.RECORDED exercises: add a mock test of it there");
    }
    // Kinds the code does not name are side services' (whatever kinds the templates create): the
    // Role grants the example templates' kinds, each every verb the launcher uses on any.
    Set<String> launcherVerbs = new TreeSet<>();
    for (Call c : calls) {
      if (!inSource.containsKey(c.groupResource())) {
        launcherVerbs.add(c.verb());
      }
    }
    assertFalse(launcherVerbs.isEmpty(), "no side-service calls recorded");
    List<String> missing = new ArrayList<>();
    for (Call c : calls) {
      String key = c.verb() + " " + c.groupResource();
      boolean ok =
          grants.stream().anyMatch(g -> g.key().equals(key) && (g.cluster() || c.namespaced()));
      if (!ok && inSource.containsKey(c.groupResource())) {
        missing.add(c.toString());
      }
    }
    assertEquals(List.of(), missing, name + ": calls the code makes that the RBAC does not grant");
    Map<String, String> unused = new TreeMap<>();
    for (Grant g : grants) {
      String[] verbResource = g.key().split(" ", 2);
      boolean called =
          calls.stream().anyMatch(c -> (c.verb() + " " + c.groupResource()).equals(g.key()));
      boolean sideService =
          !inSource.containsKey(verbResource[1])
              && recordedResources.contains(verbResource[1])
              && launcherVerbs.contains(verbResource[0]);
      if (!called && !sideService && !UNCALLED.containsKey(g.key())) {
        unused.put(g.key(), g.cluster() ? "ClusterRole" : "Role");
      }
    }
    assertEquals(Map.of(), unused, name + ": granted but never called (or justify in UNCALLED)");
    // Every side-service kind granted (one the code does not name but a launch created) gets all
    // the launcher's verbs (a launch that can create
    // but not delete would leave things behind).
    Map<String, Set<String>> byResource = new TreeMap<>();
    for (Grant g : grants) {
      String[] vr = g.key().split(" ", 2);
      byResource.computeIfAbsent(vr[1], k -> new TreeSet<>()).add(vr[0]);
    }
    byResource.forEach(
        (resource, verbs) -> {
          if (!inSource.containsKey(resource) && recordedResources.contains(resource)) {
            assertTrue(
                verbs.containsAll(launcherVerbs),
                resource + ": " + verbs + " lacks some of " + launcherVerbs);
          }
        });
    for (String justified : UNCALLED.keySet()) {
      assertFalse(
          calls.stream().anyMatch(c -> (c.verb() + " " + c.groupResource()).equals(justified)),
          justified + " is called now: remove it from DeployRbacIT.UNCALLED");
      assertTrue(
          grants.stream().anyMatch(g -> g.key().equals(justified)),
          justified + " is in DeployRbacIT.UNCALLED but not granted: remove it there");
    }
  }

  /** What the overlay grants hubpolicy's service account, where it works. */
  static List<Grant> grants(RenderedOverlay o) {
    String sa = o.pod.getServiceAccountName();
    String saNamespace = o.hubpolicyNamespace();
    List<Grant> out = new ArrayList<>();
    for (RoleBinding b : o.all(RoleBinding.class)) {
      assertEquals(o.serve.namespace, RenderedOverlay.namespace(b), "bound in the hub's namespace");
      boundTo(b.getSubjects(), sa, saNamespace);
      Role role = role(o, b.getRoleRef(), RenderedOverlay.namespace(b));
      rules(role.getRules(), false, out);
    }
    for (ClusterRoleBinding b : o.all(ClusterRoleBinding.class)) {
      boundTo(b.getSubjects(), sa, saNamespace);
      ClusterRole role =
          o.all(ClusterRole.class).stream()
              .filter(r -> r.getMetadata().getName().equals(b.getRoleRef().getName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no ClusterRole " + b.getRoleRef().getName()));
      rules(role.getRules(), true, out);
    }
    assertEquals(
        o.all(Role.class).size() + o.all(ClusterRole.class).size(),
        o.all(RoleBinding.class).size() + o.all(ClusterRoleBinding.class).size(),
        "every role is bound");
    return out;
  }

  static void boundTo(List<Subject> subjects, String sa, String namespace) {
    assertEquals(1, subjects.size());
    assertEquals("ServiceAccount", subjects.get(0).getKind());
    assertEquals(sa, subjects.get(0).getName());
    assertEquals(namespace, subjects.get(0).getNamespace());
  }

  static Role role(RenderedOverlay o, RoleRef ref, String namespace) {
    assertEquals("Role", ref.getKind());
    return o.all(Role.class).stream()
        .filter(r -> r.getMetadata().getName().equals(ref.getName()))
        .filter(r -> namespace.equals(RenderedOverlay.namespace(r)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Role " + namespace + "/" + ref.getName()));
  }

  static void rules(List<PolicyRule> rules, boolean cluster, List<Grant> out) {
    for (PolicyRule r : rules) {
      assertTrue(r.getResourceNames() == null || r.getResourceNames().isEmpty(), "resourceNames");
      for (String group : r.getApiGroups()) {
        for (String resource : r.getResources()) {
          for (String verb : r.getVerbs()) {
            for (String s : List.of(group, resource, verb)) {
              assertFalse(s.contains("*"), "a wildcard grant: " + r);
            }
            out.add(
                new Grant(verb + " " + (group.isEmpty() ? "" : group + "/") + resource, cluster));
          }
        }
      }
    }
  }
}
