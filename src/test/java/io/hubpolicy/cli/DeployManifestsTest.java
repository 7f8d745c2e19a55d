package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.hubpolicy.api.AdmissionService;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.format.KubeJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * deploy/*.yaml, read as the API server would take them, fit together and fit the code: the webhook
 * calls the Service on the admission route and selects what AdmissionService recognises; the
 * Service reaches the container; the container's arguments name the files its Secrets mount.
 */
class DeployManifestsTest {
  static final Path DEPLOY = Path.of("deploy");
  static final Set<String> CLUSTER_SCOPED =
      Set.of("ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration");

  static List<HasMetadata> objects;
  static Deployment deployment;
  static Container container;
  static ServeCommand serve;

  @BeforeAll
  static void load() throws IOException {
    objects = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(DEPLOY)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no manifests in " + DEPLOY.toAbsolutePath());
    for (Path f : files) {
      Object parsed = KubeJson.SERIALIZATION.unmarshal(Files.readString(f));
      for (Object o : parsed instanceof List<?> l ? l : List.of(parsed)) {
        if (!(o instanceof HasMetadata h)) {
          throw new AssertionError(f + " holds something that is not a Kubernetes object: " + o);
        }
        objects.add(h);
      }
    }
    deployment = one(Deployment.class);
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    assertEquals(1, containers.size());
    container = containers.get(0);
    List<String> args = container.getArgs();
    assertEquals("serve", args.get(0), "the container runs serve: " + args);
    serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
  }

  static <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertEquals(1, found.size(), "one " + type.getSimpleName() + " in deploy/: " + found);
    return found.get(0);
  }

  static GenericKubernetesResource generic(String kind, String name) {
    return objects.stream()
        .filter(o -> o instanceof GenericKubernetesResource)
        .map(o -> (GenericKubernetesResource) o)
        .filter(o -> kind.equals(o.getKind()) && name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/"));
  }

  static String namespace(HasMetadata o) {
    return o.getMetadata().getNamespace();
  }

  static MutatingWebhook webhook() {
    MutatingWebhookConfiguration config = one(MutatingWebhookConfiguration.class);
    assertEquals(1, config.getWebhooks().size());
    return config.getWebhooks().get(0);
  }

  /** The volume whose mount holds {@code file}. */
  static Volume volumeHolding(Path file) {
    for (VolumeMount m : container.getVolumeMounts()) {
      if (file.getParent() != null && file.getParent().equals(Path.of(m.getMountPath()))) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(m.getName()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("mount " + m.getName() + " has no volume"));
      }
    }
    return fail("no volume is mounted where " + file + " is read from");
  }

  static ContainerPort containerPort(IntOrString target) {
    return container.getPorts().stream()
        .filter(
            p ->
                target.getIntVal() != null
                    ? target.getIntVal().equals(p.getContainerPort())
                    : target.getStrVal().equals(p.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the container has no port " + target));
  }

  @Test
  void everyObjectIsNamedOnceAndCarriesItsNamespace() {
    Set<String> seen = new HashSet<>();
    for (HasMetadata o : objects) {
      String id = o.getKind() + " " + namespace(o) + "/" + o.getMetadata().getName();
      assertNotNull(o.getMetadata().getName(), id);
      assertTrue(seen.add(id), "twice: " + id);
      // Applied with "kubectl apply -f deploy/", without -n: each says where it goes.
      assertEquals(
          CLUSTER_SCOPED.contains(o.getKind()), namespace(o) == null, "namespace of " + id);
    }
  }

  @Test
  void theWebhookCallsTheServiceOnTheAdmissionRoute() {
    MutatingWebhook hook = webhook();
    ServiceReference ref = hook.getClientConfig().getService();
    Service service = one(Service.class);
    assertEquals(service.getMetadata().getName(), ref.getName());
    assertEquals(namespace(service), ref.getNamespace());
    assertEquals(HttpApi.ADMISSION_PATH, ref.getPath());
    ServicePort port =
        service.getSpec().getPorts().stream()
            .filter(p -> p.getPort().equals(ref.getPort()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the Service has no port " + ref.getPort()));
    // The API server speaks HTTPS only: the port must lead to serve's TLS listener.
    assertEquals(serve.port, containerPort(port.getTargetPort()).getContainerPort());
    assertNotNull(serve.tlsCert, "serve has no --tls-cert");
    assertEquals(List.of("v1"), hook.getAdmissionReviewVersions());
    assertTrue(AdmissionService.API_VERSION.endsWith("/v1"));
  }

  @Test
  void theWebhookSelectsWhatTheAdmissionCodeRecognises() {
    MutatingWebhook hook = webhook();
    assertEquals(
        Map.of(AdmissionService.COMPONENT_LABEL, AdmissionService.SINGLEUSER_COMPONENT),
        hook.getObjectSelector().getMatchLabels());
    assertTrue(
        hook.getObjectSelector().getMatchExpressions() == null
            || hook.getObjectSelector().getMatchExpressions().isEmpty());
    assertEquals(1, hook.getRules().size());
    RuleWithOperations rule = hook.getRules().get(0);
    assertEquals(List.of("CREATE"), rule.getOperations());
    assertEquals(List.of(""), rule.getApiGroups());
    assertEquals(List.of("pods"), rule.getResources());
    // The pods of the namespace hubpolicy decides for, and not hubpolicy's own.
    assertEquals(
        Map.of("kubernetes.io/metadata.name", serve.namespace),
        hook.getNamespaceSelector().getMatchLabels());
    assertFalse(serve.namespace.equals(namespace(deployment)));
    assertEquals("Fail", hook.getFailurePolicy());
    assertEquals("NoneOnDryRun", hook.getSideEffects());
    assertEquals(5, hook.getTimeoutSeconds());
  }

  @Test
  void theCertificateIsTheServicesAndTheWebhookTrustsItsCa() {
    Service service = one(Service.class);
    String inject =
        one(MutatingWebhookConfiguration.class)
            .getMetadata()
            .getAnnotations()
            .get("cert-manager.io/inject-ca-from");
    assertNotNull(inject, "no cert-manager.io/inject-ca-from annotation");
    String[] ref = inject.split("/");
    GenericKubernetesResource cert = generic("Certificate", ref[1]);
    assertEquals(ref[0], namespace(cert));
    assertEquals(namespace(service), namespace(cert));
    @SuppressWarnings("unchecked")
    List<String> names = (List<String>) cert.get("spec", "dnsNames");
    // The name the API server checks the certificate against.
    assertTrue(
        names.contains(service.getMetadata().getName() + "." + namespace(service) + ".svc"),
        names.toString());
    // The Deployment mounts that Certificate's Secret where --tls-cert and --tls-key point.
    String secret = (String) cert.get("spec", "secretName");
    for (Path file : List.of(serve.tlsCert, serve.tlsKey)) {
      Volume v = volumeHolding(file);
      assertNotNull(v.getSecret(), file + " is not from a Secret");
      assertEquals(secret, v.getSecret().getSecretName(), file.toString());
    }
    assertEquals("tls.crt", serve.tlsCert.getFileName().toString());
    assertEquals("tls.key", serve.tlsKey.getFileName().toString());
  }

  @Test
  void theServiceReachesTheContainer() {
    Service service = one(Service.class);
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertTrue(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()));
    assertTrue(
        podLabels
            .entrySet()
            .containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()));
    assertTrue(
        podLabels
            .entrySet()
            .containsAll(
                one(PodDisruptionBudget.class)
                    .getSpec()
                    .getSelector()
                    .getMatchLabels()
                    .entrySet()));
    for (ServicePort p : service.getSpec().getPorts()) {
      containerPort(p.getTargetPort());
    }
  }

  @Test
  void theSharedStoreComesFromAnOptionalSecretAndItsBufferIsWritable() {
    io.fabric8.kubernetes.api.model.EnvVar db =
        container.getEnv().stream()
            .filter(e -> e.getName().equals("HUBPOLICY_AUDIT_DB"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no HUBPOLICY_AUDIT_DB in the container's env"));
    assertNull(db.getValue(), "the database URL (with its password) is never in the manifest");
    var ref = db.getValueFrom().getSecretKeyRef();
    assertEquals("hubpolicy-audit-db", ref.getName());
    assertEquals("url", ref.getKey());
    assertTrue(ref.getOptional(), "without the Secret hubpolicy runs with its audit file alone");
    Volume buffer = volumeHolding(serve.audit.buffer);
    assertNotNull(buffer.getEmptyDir(), "the buffer is written to a writable volume");
    assertEquals(buffer.getName(), volumeHolding(Path.of(serve.audit.file)).getName());
  }

  @Test
  void theContainerRunsAsTheManifestsSay() {
    assertTrue(serve.kube, "serve --kube");
    assertEquals("0.0.0.0", serve.host, "reachable from the Service");
    Volume token = volumeHolding(serve.tokenFile);
    assertNotNull(token.getSecret(), "the token comes from a Secret");
    // Written to; the root file system is read-only.
    Volume audit = volumeHolding(Path.of(serve.audit.file));
    assertNotNull(audit.getEmptyDir(), "the audit log is written to a writable volume");
    assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(container.getSecurityContext().getAllowPrivilegeEscalation());
    assertTrue(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot());
    for (HTTPGetAction probe :
        List.of(
            container.getReadinessProbe().getHttpGet(),
            container.getLivenessProbe().getHttpGet())) {
      assertEquals("HTTPS", probe.getScheme(), "serve has --tls-cert: probes speak HTTPS");
      assertEquals(serve.port, containerPort(probe.getPort()).getContainerPort());
    }
    assertEquals("/readyz", container.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/healthz", container.getLivenessProbe().getHttpGet().getPath());
  }

  @Test
  void theServiceAccountIsGrantedWhereHubpolicyWorks() {
    ServiceAccount sa = one(ServiceAccount.class);
    assertEquals(
        sa.getMetadata().getName(),
        deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
    assertEquals(namespace(deployment), namespace(sa));
    assertEquals(serve.namespace, namespace(one(Role.class)));
    RoleBinding binding = one(RoleBinding.class);
    assertEquals(serve.namespace, namespace(binding));
    List<Subject> subjects = new ArrayList<>(binding.getSubjects());
    subjects.addAll(one(ClusterRoleBinding.class).getSubjects());
    for (Subject s : subjects) {
      assertEquals("ServiceAccount", s.getKind());
      assertEquals(sa.getMetadata().getName(), s.getName());
      assertEquals(namespace(sa), s.getNamespace());
    }
  }
}
