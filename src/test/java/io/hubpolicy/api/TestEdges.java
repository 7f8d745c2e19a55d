package io.hubpolicy.api;

import io.hubpolicy.auth.Authenticator;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.catalog.ConfiguredCatalogs;
import io.hubpolicy.catalog.ImageSource;
import io.hubpolicy.catalog.NodeSource;
import io.hubpolicy.catalog.SizeCatalog;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.PolicyReloader;
import io.hubpolicy.engine.RuleBaseBuilder;
import io.hubpolicy.preferences.InMemoryPreferenceStore;
import io.hubpolicy.preferences.PreferencesService;
import io.hubpolicy.services.Launcher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Set;

/**
 * The edges' use cases wired for a test the way the composition root wires them in file mode, with
 * what the test does not care about as file mode's parts (no cluster, profile images, preferences
 * in memory).
 */
public final class TestEdges {
  /** Lets every call through: for tests of everything but authentication. */
  public static final Authenticator ANYONE = header -> BearerAuth.Verdict.OK;

  private TestEdges() {}

  public static PolicyCalls calls(DecisionService decisions) {
    return calls(decisions, Launcher.none("default"));
  }

  public static PolicyCalls calls(DecisionService decisions, Launcher launcher) {
    return calls(
        decisions,
        launcher,
        new ConfiguredCatalogs(ImageSource.PROFILES, new SizeCatalog(NodeSource.NONE, 0.1)));
  }

  /** With this catalog of images and sizes. */
  public static PolicyCalls calls(DecisionService decisions, ConfiguredCatalogs catalogs) {
    return calls(decisions, Launcher.none("default"), catalogs);
  }

  public static PolicyCalls calls(
      DecisionService decisions, Launcher launcher, ConfiguredCatalogs catalogs) {
    DecisionEngine engine = decisions.engine();
    PreferencesService preferences =
        new PreferencesService(new InMemoryPreferenceStore(), engine, catalogs);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new PolicyCalls(
        decisions,
        new LaunchService(decisions, launcher, meters),
        new OptionsService(decisions, catalogs, preferences),
        preferences,
        catalogs,
        new AdmissionService(decisions),
        new PolicyReloader(engine, new RuleBaseBuilder(), meters, Clock.systemUTC()));
  }

  /** Plain HTTP without authentication. */
  public static HttpApi http(DecisionService decisions) {
    return http(calls(decisions), ANYONE, Set.of(), null);
  }

  public static HttpApi http(
      PolicyCalls calls, Authenticator auth, Set<String> openPaths, TlsFiles tls) {
    return new HttpApi(
        calls, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), auth, openPaths, tls);
  }
}
