package io.hubpolicy.cli;

import static io.hubpolicy.cli.RenderedOverlay.namespace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.hubpolicy.api.AdmissionService;
import io.hubpolicy.api.HttpApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay of deploy/, rendered with {@code kubectl kustomize} and loaded with fabric8, fits
 * together and fits the code: the container's arguments are what {@code hubpolicy serve} accepts;
 * Service, probes, NetworkPolicies, ServiceMonitor and Route reach the ports serve listens on, in
 * the scheme it speaks; the probes' paths answer on a real server; every file the arguments name is
 * on the right volume; the webhook calls the admission route with a certificate the API server
 * trusts. RBAC against the code's calls: DeployRbacIT.
 */
class DeployOverlaysIT {
  /** What each overlay is for; a new overlay needs its line here and in the docs. */
  static final Map<String, String> OVERLAYS =
      Map.of(
          "file", "profiles from a ConfigMap of files, no API access",
          "cluster", "serve --kube in the hub's namespace",
          "webhook", "cluster mode, TLS from cert-manager, the admission webhook",
          "openshift", "cluster mode with a Route, within the restricted SCC");

  static final Set<String> CLUSTER_SCOPED =
      Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration");

  /** Env vars the base sets before the code that reads them is in (none now). */
  static final Map<String, String> PENDING_ENV = Map.of();

  static final java.util.regex.Pattern DOCKERFILE_VOLUME =
      java.util.regex.Pattern.compile("(?m)^VOLUME\\s+(\\[\\s*\"/data\"\\s*\\]|/data\\s*$)");

  static Stream<String> overlays() {
    return RenderedOverlay.names().stream();
  }

  @Test
  void theOverlaysAreTheDocumentedOnes() throws Exception {
    assertEquals(Set.copyOf(OVERLAYS.keySet()), Set.copyOf(RenderedOverlay.names()));
    String doc = Files.readString(Path.of("docs/running-on-a-cluster.md"));
    for (String o : OVERLAYS.keySet()) {
      assertTrue(doc.contains("deploy/overlays/" + o), "docs/running-on-a-cluster.md: " + o);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyObjectIsNamedOnceInItsNamespace(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    Set<String> seen = new HashSet<>();
    for (HasMetadata h : o.objects) {
      String id = h.getKind() + " " + namespace(h) + "/" + h.getMetadata().getName();
      assertTrue(seen.add(id), name + ": twice: " + id);
      assertEquals(
          CLUSTER_SCOPED.contains(h.getKind()), namespace(h) == null, "namespace of " + id);
      assertEquals(
          "hubpolicy", h.getMetadata().getLabels().get("app.kubernetes.io/name"), "label of " + id);
      // Everything in hubpolicy's namespace but its grants in the hub's.
      if (namespace(h) != null && !Set.of("Role", "RoleBinding").contains(h.getKind())) {
        assertEquals(o.hubpolicyNamespace(), namespace(h), id);
      }
    }
    assertEquals(
        o.hubpolicyNamespace(),
        o.one(io.fabric8.kubernetes.api.model.Namespace.class).getMetadata().getName());
    assertEquals("hubpolicy:" + Main.version(), o.container.getImage(), name + ": image tag");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theEnvironmentIsWhatTheCodeReads(String name) throws Exception {
    RenderedOverlay o = RenderedOverlay.of(name);
    Set<String> read = EnvNames.readByTheCode();
    for (String pending : PENDING_ENV.keySet()) {
      assertFalse(
          read.contains(pending),
          pending + " is read by the code now: remove it from DeployOverlaysIT.PENDING_ENV");
    }
    for (EnvVar e : o.container.getEnv()) {
      assertTrue(
          read.contains(e.getName()) || PENDING_ENV.containsKey(e.getName()),
          name + ": the container sets " + e.getName() + ", which hubpolicy never reads");
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void servicesProbesAndPoliciesReachThePortsServeListensOn(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    assertEquals(o.serve.port, o.containerPort("api").getContainerPort(), "api is --port");
    assertEquals(o.serve.grpcPort, o.containerPort("grpc").getContainerPort(), "grpc: --grpc-port");
    Service service = o.one(Service.class);
    for (ServicePort p : service.getSpec().getPorts()) {
      o.containerPort(p.getTargetPort());
    }
    // HTTPS exactly where serve has a certificate, and then on the Service's 443.
    String scheme = o.tls() ? "HTTPS" : "HTTP";
    for (Probe probe : probes(o)) {
      HTTPGetAction get = probe.getHttpGet();
      assertEquals(scheme, get.getScheme(), name + ": probe " + get.getPath());
      assertEquals(o.serve.port, o.containerPort(get.getPort()).getContainerPort());
    }
    assertEquals(o.tls() ? 443 : 80, servicePort(service, "api").getPort());
    for (NetworkPolicy np : o.all(NetworkPolicy.class)) {
      assertTrue(
          labelsOfPods(o)
              .entrySet()
              .containsAll(np.getSpec().getPodSelector().getMatchLabels().entrySet()),
          np.getMetadata().getName() + " selects the pods");
      np.getSpec().getIngress().stream()
          .flatMap(rule -> rule.getPorts().stream())
          .map(NetworkPolicyPort::getPort)
          .forEach(o::containerPort);
    }
    for (GenericKubernetesResource sm : o.generic("ServiceMonitor")) {
      assertTrue(
          service
              .getMetadata()
              .getLabels()
              .entrySet()
              .containsAll(matchLabels(sm.get("spec", "selector", "matchLabels")).entrySet()),
          "the ServiceMonitor selects the Service");
      @SuppressWarnings("unchecked")
      Map<String, Object> endpoint =
          ((List<Map<String, Object>>) sm.get("spec", "endpoints")).get(0);
      ServicePort p = servicePort(service, (String) endpoint.get("port"));
      assertEquals(o.serve.port, o.containerPort(p.getTargetPort()).getContainerPort());
      assertEquals(scheme.toLowerCase(), endpoint.get("scheme"), "ServiceMonitor scheme");
    }
    for (GenericKubernetesResource route : o.generic("Route")) {
      assertEquals(service.getMetadata().getName(), route.get("spec", "to", "name"));
      ServicePort p = servicePort(service, (String) route.get("spec", "port", "targetPort"));
      assertEquals(o.serve.port, o.containerPort(p.getTargetPort()).getContainerPort());
      // Edge: the router speaks plain HTTP to the pods, so they must not be serving TLS.
      assertEquals("edge", route.get("spec", "tls", "termination"));
      assertFalse(o.tls(), "an edge Route in front of a TLS port");
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theProbesAndTheScrapeAskForPathsTheServerAnswers(String name) throws Exception {
    RenderedOverlay o = RenderedOverlay.of(name);
    List<String> paths = new ArrayList<>();
    probes(o).forEach(p -> paths.add(p.getHttpGet().getPath()));
    for (GenericKubernetesResource sm : o.generic("ServiceMonitor")) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> endpoints = (List<Map<String, Object>>) sm.get("spec", "endpoints");
      endpoints.forEach(e -> paths.add((String) e.get("path")));
    }
    assertFalse(paths.isEmpty());
    for (String path : paths) {
      // Probes and Prometheus present no token: the path must answer without one.
      assertEquals(200, ProbeServer.get(path), name + ": GET " + path + " on a real server");
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyFileTheArgumentsNameIsOnTheRightVolume(String name) throws Exception {
    RenderedOverlay o = RenderedOverlay.of(name);
    // /data, the image's VOLUME: the pod's own writable volume, holding the audit file, with the
    // token's Secret beneath it.
    assertTrue(
        DOCKERFILE_VOLUME.matcher(Files.readString(Path.of("Dockerfile"))).find(),
        "the Dockerfile declares VOLUME [\"/data\"]");
    Volume data = o.volumeHolding(Path.of("/data/x"));
    assertNotNull(data.getEmptyDir(), "/data is the pod's own volume");
    assertEquals(data, o.volumeHolding(Path.of(o.serve.audit.file)), "the audit file is on /data");
    assertEquals(data, o.volumeHolding(o.serve.audit.buffer.resolve("x")), "the buffer too");
    Volume token = o.volumeHolding(o.serve.tokenFile);
    assertTrue(o.serve.tokenFile.startsWith("/data"), "the token is under /data");
    assertEquals("hubpolicy-token", token.getSecret().getSecretName());
    assertTrue(o.container.getSecurityContext().getReadOnlyRootFilesystem());
    assertNotNull(o.volumeHolding(Path.of("/tmp/x")).getEmptyDir(), "/tmp is writable");
    if (o.tls()) {
      for (Path file : List.of(o.serve.tlsCert, o.serve.tlsKey)) {
        Volume v = o.volumeHolding(file);
        assertEquals("hubpolicy-tls", v.getSecret().getSecretName(), file.toString());
      }
    }
    for (Path p : o.serve.config.profiles) {
      Volume v = o.volumeHolding(p.resolve("x"));
      assertNotNull(v.getConfigMap(), p + " is from a ConfigMap");
      ConfigMap cm =
          o.all(ConfigMap.class).stream()
              .filter(c -> c.getMetadata().getName().equals(v.getConfigMap().getName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no ConfigMap " + v.getConfigMap().getName()));
      assertFalse(cm.getData().isEmpty());
    }
    assertEquals(o.serve.kube, o.serve.config.profiles.isEmpty(), "file mode names its profiles");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void securityFitsOpenShiftsRestrictedScc(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    PodSecurityContext pod = o.pod.getSecurityContext();
    assertTrue(pod.getRunAsNonRoot());
    // The restricted SCC assigns UID, GID and fsGroup from the project's range.
    assertNull(pod.getRunAsUser());
    assertNull(pod.getRunAsGroup());
    assertNull(pod.getFsGroup());
    assertEquals("RuntimeDefault", pod.getSeccompProfile().getType());
    SecurityContext c = o.container.getSecurityContext();
    assertNull(c.getRunAsUser());
    assertNull(c.getRunAsGroup());
    assertFalse(c.getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), c.getCapabilities().getDrop());
    assertNull(c.getPrivileged());
    // An API token in the pod only where hubpolicy calls the API server.
    assertEquals(o.serve.kube, o.pod.getAutomountServiceAccountToken(), "automount");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void replicasStayUpThroughDrainsAndScaleWithLoad(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    Map<String, String> podLabels = labelsOfPods(o);
    HorizontalPodAutoscaler hpa = o.one(HorizontalPodAutoscaler.class);
    assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
    assertEquals(o.deployment.getMetadata().getName(), hpa.getSpec().getScaleTargetRef().getName());
    assertNull(o.deployment.getSpec().getReplicas(), "the autoscaler owns the replica count");
    PodDisruptionBudget pdb = o.one(PodDisruptionBudget.class);
    int min = hpa.getSpec().getMinReplicas();
    assertTrue(min >= 2, "two replicas at least: " + min);
    // One always up, and a drain can still evict one.
    assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal());
    assertTrue(pdb.getSpec().getMinAvailable().getIntVal() < min);
    assertTrue(
        podLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()));
    assertTrue(
        podLabels
            .entrySet()
            .containsAll(o.deployment.getSpec().getSelector().getMatchLabels().entrySet()));
    assertTrue(
        podLabels.entrySet().containsAll(o.one(Service.class).getSpec().getSelector().entrySet()));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theWebhookIsOnlyWhereTlsIsAndCallsTheAdmissionRoute(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    var config = o.optional(MutatingWebhookConfiguration.class);
    assertEquals(name.equals("webhook"), config.isPresent(), "a webhook in " + name);
    if (config.isEmpty()) {
      return;
    }
    assertTrue(o.tls(), "the API server calls webhooks over HTTPS only");
    assertTrue(o.serve.kube);
    assertEquals(1, config.get().getWebhooks().size());
    MutatingWebhook hook = config.get().getWebhooks().get(0);
    ServiceReference ref = hook.getClientConfig().getService();
    Service service = o.one(Service.class);
    assertEquals(service.getMetadata().getName(), ref.getName());
    assertEquals(namespace(service), ref.getNamespace());
    assertEquals(HttpApi.ADMISSION_PATH, ref.getPath());
    ServicePort port =
        service.getSpec().getPorts().stream()
            .filter(p -> p.getPort().equals(ref.getPort()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the Service has no port " + ref.getPort()));
    assertEquals(o.serve.port, o.containerPort(port.getTargetPort()).getContainerPort());
    assertNull(hook.getClientConfig().getCaBundle(), "left to cert-manager's injector");
    assertEquals(List.of("v1"), hook.getAdmissionReviewVersions());
    assertTrue(AdmissionService.API_VERSION.endsWith("/v1"));
    assertEquals(
        Map.of(AdmissionService.COMPONENT_LABEL, AdmissionService.SINGLEUSER_COMPONENT),
        hook.getObjectSelector().getMatchLabels());
    assertEquals(List.of("CREATE"), hook.getRules().get(0).getOperations());
    assertEquals(List.of("pods"), hook.getRules().get(0).getResources());
    // The pods of the namespace hubpolicy decides for, never hubpolicy's own.
    assertEquals(
        Map.of("kubernetes.io/metadata.name", o.serve.namespace),
        hook.getNamespaceSelector().getMatchLabels());
    assertFalse(o.serve.namespace.equals(o.hubpolicyNamespace()));
    assertEquals("Fail", hook.getFailurePolicy());
    assertEquals("NoneOnDryRun", hook.getSideEffects());
    // cert-manager: the injector's reference is the Certificate for the Service's name, whose
    // Secret the pod mounts, issued by an Issuer that is there.
    String inject =
        config.get().getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from");
    assertNotNull(inject, "no cert-manager.io/inject-ca-from annotation");
    String[] nsName = inject.split("/");
    GenericKubernetesResource cert = o.generic("Certificate", nsName[1]);
    assertEquals(nsName[0], namespace(cert));
    @SuppressWarnings("unchecked")
    List<String> names = (List<String>) cert.get("spec", "dnsNames");
    assertTrue(names.contains(ref.getName() + "." + ref.getNamespace() + ".svc"), names.toString());
    assertEquals("hubpolicy-tls", cert.get("spec", "secretName"));
    o.generic("Issuer", (String) cert.get("spec", "issuerRef", "name"));
    // The API server's calls come from outside any pod: some ingress rule admits every source.
    assertTrue(
        o.all(NetworkPolicy.class).stream()
            .flatMap(np -> np.getSpec().getIngress().stream())
            .anyMatch(rule -> rule.getFrom() == null || rule.getFrom().isEmpty()),
        "the API server can reach the webhook");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theHubsNamespaceIsReachableAndAgreesEverywhere(String name) {
    RenderedOverlay o = RenderedOverlay.of(name);
    String hub = o.serve.kube ? o.serve.namespace : "jupyterhub";
    assertNotNull(hub, "--kube without --namespace");
    NetworkPolicy np =
        o.all(NetworkPolicy.class).stream()
            .filter(p -> p.getMetadata().getName().equals("hubpolicy"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        np.getSpec().getIngress().stream()
            .flatMap(r -> r.getFrom() == null ? Stream.empty() : r.getFrom().stream())
            .anyMatch(
                f ->
                    f.getNamespaceSelector() != null
                        && Map.of("kubernetes.io/metadata.name", hub)
                            .equals(f.getNamespaceSelector().getMatchLabels())),
        "the hub's namespace " + hub + " may call hubpolicy");
  }

  static List<Probe> probes(RenderedOverlay o) {
    List<Probe> out = new ArrayList<>();
    for (Probe p :
        new Probe[] {
          o.container.getStartupProbe(),
          o.container.getReadinessProbe(),
          o.container.getLivenessProbe()
        }) {
      assertNotNull(p, o.name + ": startup, readiness and liveness probes");
      out.add(p);
    }
    assertEquals("/readyz", o.container.getReadinessProbe().getHttpGet().getPath());
    return out;
  }

  static ServicePort servicePort(Service service, String name) {
    return service.getSpec().getPorts().stream()
        .filter(p -> name.equals(p.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the Service has no port " + name));
  }

  static Map<String, String> labelsOfPods(RenderedOverlay o) {
    return o.deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> matchLabels(Object o) {
    return (Map<String, String>) o;
  }
}
