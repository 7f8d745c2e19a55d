package io.hubpolicy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.testing.Kustomize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * One overlay of deploy/overlays, rendered with {@code kubectl kustomize} and loaded with fabric8
 * as the API server would take it, with its container's arguments parsed by the real {@code serve}
 * command: what DeployOverlaysIT and DeployRbacIT check.
 */
final class RenderedOverlay {
  static final Path DEPLOY = Path.of("deploy");
  static final Path OVERLAYS = DEPLOY.resolve("overlays");

  private static final Map<String, RenderedOverlay> CACHE = new ConcurrentHashMap<>();

  final String name;
  final List<HasMetadata> objects;
  final Deployment deployment;
  final PodSpec pod;
  final Container container;
  final List<String> args;
  final ServeCommand serve;

  private RenderedOverlay(String name, List<HasMetadata> objects) {
    this.name = name;
    this.objects = objects;
    deployment = one(Deployment.class);
    pod = deployment.getSpec().getTemplate().getSpec();
    assertEquals(1, pod.getContainers().size(), name + ": one container");
    container = pod.getContainers().get(0);
    args = container.getArgs();
    assertEquals("serve", args.get(0), name + ": the container runs serve: " + args);
    serve = new ServeCommand();
    try {
      new CommandLine(serve).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(
          name
              + ": hubpolicy serve does not accept the container's arguments "
              + args
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The overlays in deploy/overlays, by directory name. */
  static List<String> names() {
    try (Stream<Path> s = Files.list(OVERLAYS)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Renders (once per JVM) and loads; skips the calling test without kubectl. */
  static RenderedOverlay of(String name) {
    RenderedOverlay cached = CACHE.get(name);
    if (cached != null) {
      return cached;
    }
    String yaml = Kustomize.render(OVERLAYS.resolve(name));
    List<HasMetadata> objects = new ArrayList<>();
    Object parsed = KubeJson.SERIALIZATION.unmarshal(yaml);
    for (Object o : parsed instanceof List<?> l ? l : List.of(parsed)) {
      if (!(o instanceof HasMetadata h)) {
        throw new AssertionError(name + " renders something that is not a Kubernetes object: " + o);
      }
      objects.add(h);
    }
    RenderedOverlay r = new RenderedOverlay(name, List.copyOf(objects));
    CACHE.put(name, r);
    return r;
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    assertEquals(1, found.size(), name + ": one " + type.getSimpleName() + ": " + found);
    return found.get(0);
  }

  <T extends HasMetadata> Optional<T> optional(Class<T> type) {
    List<T> found = all(type);
    assertEquals(true, found.size() <= 1, name + ": at most one " + type.getSimpleName());
    return found.stream().findFirst();
  }

  /** Objects fabric8 has no model class for (cert-manager, Prometheus operator, OpenShift). */
  List<GenericKubernetesResource> generic(String kind) {
    return objects.stream()
        .filter(o -> o instanceof GenericKubernetesResource && kind.equals(o.getKind()))
        .map(o -> (GenericKubernetesResource) o)
        .toList();
  }

  GenericKubernetesResource generic(String kind, String objectName) {
    return generic(kind).stream()
        .filter(o -> objectName.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + ": no " + kind + " " + objectName));
  }

  static String namespace(HasMetadata o) {
    return o.getMetadata().getNamespace();
  }

  String hubpolicyNamespace() {
    return namespace(deployment);
  }

  /** The container port a Service/probe/NetworkPolicy port refers to, by number or name. */
  ContainerPort containerPort(IntOrString target) {
    return container.getPorts().stream()
        .filter(
            p ->
                target.getIntVal() != null
                    ? target.getIntVal().equals(p.getContainerPort())
                    : target.getStrVal().equals(p.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + ": the container has no port " + target));
  }

  ContainerPort containerPort(String portName) {
    return containerPort(new IntOrString(portName));
  }

  /** The mount under which {@code file} lies (the deepest), and its volume. */
  Volume volumeHolding(Path file) {
    VolumeMount best = null;
    for (VolumeMount m : container.getVolumeMounts()) {
      if (file.startsWith(Path.of(m.getMountPath()))
          && (best == null || m.getMountPath().length() > best.getMountPath().length())) {
        best = m;
      }
    }
    if (best == null) {
      throw new AssertionError(name + ": no volume is mounted where " + file + " is");
    }
    String volume = best.getName();
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(volume))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + ": mount " + volume + " has no volume"));
  }

  boolean tls() {
    return serve.tlsCert != null;
  }
}
