package io.hubpolicy.kube;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Which Kubernetes API calls hubpolicy's code makes, as RBAC names them (API group, resource,
 * verb), derived from the code rather than written down by hand, for checking deploy/'s RBAC.
 *
 * <p>Two ways, each covering the other's blind spot:
 *
 * <ul>
 *   <li>{@link #recordWhile}: runs mock tests (fabric8's mock API server) and records every request
 *       that the code under test sent, that is every request without the fixture's user agent
 *       ({@link MockKube#FIXTURE_AGENT}). This gives the verbs, and the kinds that only exist at
 *       run time (side services are whatever kinds the templates create).
 *   <li>{@link #resourcesInSource}: scans the sources of the packages that may use fabric8's client
 *       for the resources they name ({@code configMaps()}, {@code genericKubernetesResources
 *       (IMAGE_STREAMS)}, a {@code LeaseLock}...). A resource named there but never recorded is a
 *       code path no mock test exercises, whose verbs the recording cannot know.
 * </ul>
 */
public final class ApiCalls {
  private ApiCalls() {}

  /** One RBAC grant's worth: {@code group} is "" for the core API. */
  public record Call(String group, String resource, String verb, boolean namespaced)
      implements Comparable<Call> {
    public String groupResource() {
      return (group.isEmpty() ? "" : group + "/") + resource;
    }

    @Override
    public int compareTo(Call o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return verb + " " + groupResource() + (namespaced ? "" : " (cluster)");
    }
  }

  /** The packages allowed to use fabric8's client (ArchitectureTest). */
  static final List<String> CLIENT_PACKAGES = List.of("kube", "app");

  /**
   * Runs the test classes with JUnit's launcher and returns the calls the code made during them.
   * Throws if a test failed or none ran: the recording would be incomplete.
   */
  public static Set<Call> recordWhile(Class<?>... testClasses) {
    Set<Call> calls = new ConcurrentSkipListSet<>();
    List<String> unparsed = new ArrayList<>();
    MockKube.recorder =
        r -> {
          Call c = parse(r.getMethod(), r.getPath());
          if (c != null) {
            calls.add(c);
          } else if (!isDiscovery(r)) {
            synchronized (unparsed) {
              unparsed.add(r.getMethod() + " " + r.getPath());
            }
          }
        };
    TestExecutionSummary summary;
    try {
      LauncherDiscoveryRequest request =
          LauncherDiscoveryRequestBuilder.request()
              .selectors(Arrays.stream(testClasses).map(c -> selectClass(c)).toList())
              .build();
      SummaryGeneratingListener listener = new SummaryGeneratingListener();
      LauncherFactory.create().execute(request, listener);
      summary = listener.getSummary();
    } finally {
      MockKube.recorder = null;
    }
    if (summary.getTotalFailureCount() > 0 || summary.getTestsSucceededCount() == 0) {
      StringBuilder why = new StringBuilder();
      summary
          .getFailures()
          .forEach(
              f ->
                  why.append("\n")
                      .append(f.getTestIdentifier().getDisplayName())
                      .append(": ")
                      .append(f.getException()));
      throw new AssertionError(
          "the mock tests the calls are recorded from did not all pass ("
              + summary.getTestsSucceededCount()
              + " passed, "
              + summary.getTotalFailureCount()
              + " failed, "
              + summary.getTestsSkippedCount()
              + summary.getTestsAbortedCount()
              + " skipped):"
              + why);
    }
    if (!unparsed.isEmpty()) {
      throw new AssertionError("requests not understood as API calls: " + unparsed);
    }
    return calls;
  }

  /** API discovery (/api, /apis, /apis/group/version): open to every authenticated user. */
  static boolean isDiscovery(RecordedRequest r) {
    String path = URI.create(r.getPath()).getPath();
    String[] s = path.replaceAll("^/|/$", "").split("/");
    return "GET".equals(r.getMethod())
        && (("api".equals(s[0]) && s.length <= 2) || ("apis".equals(s[0]) && s.length <= 3));
  }

  /**
   * The RBAC call a request is, or null for one that names no resource. Paths: {@code
   * /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]}, {@code /apis/GROUP/VERSION/...} likewise.
   */
  public static Call parse(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    List<String> s = List.of(uri.getPath().replaceAll("^/|/$", "").split("/"));
    int at;
    String group;
    if (s.get(0).equals("api") && s.size() > 2) {
      group = "";
      at = 2;
    } else if (s.get(0).equals("apis") && s.size() > 3) {
      group = s.get(1);
      at = 3;
    } else {
      return null;
    }
    List<String> rest = s.subList(at, s.size());
    boolean namespaced = rest.get(0).equals("namespaces") && rest.size() >= 3;
    if (namespaced) {
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0) + (rest.size() > 2 ? "/" + rest.get(2) : "");
    boolean named = rest.size() > 1;
    boolean watch = uri.getQuery() != null && uri.getQuery().matches("(.*&)?watch=(true|1)(&.*)?");
    String verb =
        switch (method) {
          case "GET" -> named ? "get" : watch ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> throw new AssertionError("unexpected method " + method + " " + pathAndQuery);
        };
    return new Call(group, resource, verb, namespaced);
  }

  /** fabric8 DSL entry points with a fixed resource: method name → group/resource. */
  static final Map<String, String> DSL =
      Map.ofEntries(
          Map.entry("configMaps", "configmaps"),
          Map.entry("secrets", "secrets"),
          Map.entry("nodes", "nodes"),
          Map.entry("pods", "pods"),
          Map.entry("services", "services"),
          Map.entry("namespaces", "namespaces"),
          Map.entry("events", "events"),
          Map.entry("serviceAccounts", "serviceaccounts"),
          Map.entry("endpoints", "endpoints"),
          Map.entry("persistentVolumeClaims", "persistentvolumeclaims"),
          Map.entry("leases", "coordination.k8s.io/leases"));

  static final Pattern DSL_CALL = Pattern.compile("\\.(\\w+)\\(\\)\\s*\\n?\\s*\\.");
  static final Pattern GENERIC =
      Pattern.compile("genericKubernetesResources\\(\\s*(?:(\\w+)\\.)?([A-Z][A-Z0-9_]+)\\s*\\)");
  static final Pattern LEASE_LOCK = Pattern.compile("\\bnew\\s+LeaseLock\\b");

  /**
   * The group/resources the client packages' sources name (see the class comment), each with the
   * file that names it. A {@code genericKubernetesResources} whose argument is not a constant of
   * this code (the side services' kinds) is left to the recording.
   */
  public static Map<String, String> resourcesInSource(Path mainJava) {
    Map<String, String> found = new java.util.TreeMap<>();
    for (String pkg : CLIENT_PACKAGES) {
      Path dir = mainJava.resolve("io/hubpolicy").resolve(pkg);
      List<Path> files;
      try (Stream<Path> st = Files.list(dir)) {
        files = st.filter(f -> f.toString().endsWith(".java")).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (Path f : files) {
        String text;
        try {
          text = Files.readString(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        String name = pkg + "/" + f.getFileName();
        Matcher m = DSL_CALL.matcher(text);
        while (m.find()) {
          String r = DSL.get(m.group(1));
          // Only where the client's DSL is in play: "configMaps()" of something else is rare,
          // and a false find shows up as "named but never recorded", never as a missed grant.
          if (r != null && text.contains("io.fabric8.kubernetes.client")) {
            found.putIfAbsent(r, name);
          }
        }
        m = GENERIC.matcher(text);
        while (m.find()) {
          String owner =
              m.group(1) == null ? f.getFileName().toString().replace(".java", "") : m.group(1);
          found.putIfAbsent(constant(pkg, owner, m.group(2)), name);
        }
        if (LEASE_LOCK.matcher(text).find()) {
          found.putIfAbsent("coordination.k8s.io/leases", name);
        }
      }
    }
    return found;
  }

  /** group/plural of a ResourceDefinitionContext constant, read from the compiled class. */
  static String constant(String pkg, String owner, String field) {
    for (String p : List.of(pkg, "kube", "app")) {
      try {
        Field f = Class.forName("io.hubpolicy." + p + "." + owner).getDeclaredField(field);
        if (!Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        f.setAccessible(true);
        ResourceDefinitionContext ctx = (ResourceDefinitionContext) f.get(null);
        return (ctx.getGroup() == null || ctx.getGroup().isEmpty() ? "" : ctx.getGroup() + "/")
            + ctx.getPlural();
      } catch (ReflectiveOperationException | ClassCastException e) {
        // not in this package; try the next
      }
    }
    throw new AssertionError(
        "genericKubernetesResources("
            + owner
            + "."
            + field
            + "): no such ResourceDefinitionContext constant");
  }

  /** The group/resources among {@code calls}. */
  public static Set<String> groupResources(Set<Call> calls) {
    Set<String> out = new TreeSet<>();
    calls.forEach(c -> out.add(c.groupResource()));
    return out;
  }
}
