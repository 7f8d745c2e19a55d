package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.hubpolicy.model.SafeNames;
import io.hubpolicy.model.UserObjectNames;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import io.hubpolicy.preferences.PreferenceStore;
import io.hubpolicy.preferences.PreferencesFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preferences in the cluster, where the old system kept them: ConfigMap {@code
 * jupyterhub-singleuser-profile-<slug>} (key {@code profile}) and, for secret variables, Secret
 * {@code jupyterhub-singleuser-profile-<slug>-envs}. The ConfigMaps hubpolicy writes carry a label
 * and are watched, so decisions read them from memory; Secrets are never watched or cached
 * (hubpolicy needs their key names only when saving, and reads just that one Secret then).
 */
public final class ConfigMapPreferenceStore implements PreferenceStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigMapPreferenceStore.class);
  public static final String LABEL = "hubpolicy.io/preferences";
  static final String USER_ANNOTATION = "hubpolicy.io/user";

  private final KubernetesClient client;
  private final String namespace;
  private SharedIndexInformer<ConfigMap> informer;
  private final Map<String, UserPreferences> parsed = new ConcurrentHashMap<>();

  public ConfigMapPreferenceStore(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  public CompletionStage<Void> start() {
    informer = client.configMaps().inNamespace(namespace).withLabel(LABEL).runnableInformer(0);
    informer.exceptionHandler((started, t) -> true); // ProfileConfigMaps reports outages
    // Parsed once per change, not once per decision.
    informer.addEventHandler(
        new ResourceEventHandler<ConfigMap>() {
          @Override
          public void onAdd(ConfigMap cm) {
            parsed.put(cm.getMetadata().getName(), parse(cm));
          }

          @Override
          public void onUpdate(ConfigMap before, ConfigMap after) {
            onAdd(after);
          }

          @Override
          public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
            parsed.remove(cm.getMetadata().getName());
          }
        });
    return informer.start();
  }

  @Override
  public UserPreferences cached(String user) {
    return parsed.getOrDefault(name(user), UserPreferences.NONE);
  }

  @Override
  public UserPreferences load(String user) {
    UserPreferences p = cached(user);
    if (p != UserPreferences.NONE) {
      return p;
    }
    // Saved by the old system (no label, so not watched): read it directly.
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name(user)).get();
    return cm == null ? UserPreferences.NONE : parse(cm);
  }

  @Override
  public Set<String> storedSecrets(String user) {
    Secret s = secret(user);
    Set<String> names = new TreeSet<>();
    if (s != null && s.getData() != null) {
      names.addAll(s.getData().keySet());
    }
    if (s != null && s.getStringData() != null) {
      names.addAll(s.getStringData().keySet());
    }
    return names;
  }

  @Override
  public void save(String user, UserPreferences prefs, Map<String, String> secretValues) {
    Map<String, String> labels =
        Map.of(
            LABEL,
            "true",
            "app.kubernetes.io/managed-by",
            "hubpolicy",
            "hub.jupyter.org/username",
            SafeNames.labelValue(user));
    boolean anySecret = prefs.env().stream().anyMatch(UserVariable::secret);
    Secret existing = secret(user);
    if (anySecret || existing != null) {
      Map<String, String> data = new LinkedHashMap<>();
      Map<String, String> before =
          existing == null || existing.getData() == null ? Map.of() : existing.getData();
      for (UserVariable v : prefs.env()) {
        if (!v.secret()) {
          continue;
        }
        String value = secretValues.get(v.name());
        data.put(
            v.name(),
            value != null
                ? Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
                : before.get(v.name()));
      }
      Secret s =
          new SecretBuilder()
              .withNewMetadata()
              .withName(UserObjectNames.variablesSecret(user))
              .withNamespace(namespace)
              .withLabels(labels)
              .addToAnnotations(USER_ANNOTATION, user)
              .endMetadata()
              .withType("Opaque")
              .withData(data)
              .build();
      client.secrets().inNamespace(namespace).resource(s).createOr(r -> r.update());
    }
    ConfigMap cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name(user))
            .withNamespace(namespace)
            .withLabels(labels)
            .addToAnnotations(USER_ANNOTATION, user)
            .endMetadata()
            .addToData(UserObjectNames.PREFERENCES_KEY, PreferencesFormat.write(prefs))
            .build();
    client.configMaps().inNamespace(namespace).resource(cm).createOr(r -> r.update());
  }

  private Secret secret(String user) {
    return client
        .secrets()
        .inNamespace(namespace)
        .withName(UserObjectNames.variablesSecret(user))
        .get();
  }

  private static String name(String user) {
    return UserObjectNames.preferencesConfigMap(user);
  }

  private static UserPreferences parse(ConfigMap cm) {
    List<String> warnings = new ArrayList<>();
    String source =
        "configmap/" + cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
    String text = cm.getData() == null ? null : cm.getData().get(UserObjectNames.PREFERENCES_KEY);
    UserPreferences p = PreferencesFormat.read(text, source, warnings);
    warnings.forEach(w -> LOG.warn("user preferences: {}", w));
    return p;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
