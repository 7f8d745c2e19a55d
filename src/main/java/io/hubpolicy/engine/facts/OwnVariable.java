package io.hubpolicy.engine.facts;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.hubpolicy.model.UserObjectNames;
import io.hubpolicy.model.UserVariable;

/**
 * One of the user's own saved variables. A secret one becomes a reference to the user's Secret, so
 * its value never enters a decision, a pod spec or an audit line.
 */
public final class OwnVariable {
  private final String name;
  private final EnvVar envVar;
  private final boolean secret;

  public OwnVariable(String user, UserVariable v) {
    this.name = v.name();
    this.secret = v.secret();
    this.envVar =
        v.secret()
            ? new EnvVarBuilder()
                .withName(v.name())
                .withNewValueFrom()
                .withNewSecretKeyRef(v.name(), UserObjectNames.variablesSecret(user), false)
                .endValueFrom()
                .build()
            : new EnvVar(v.name(), v.value() == null ? "" : v.value(), null);
  }

  public String getName() {
    return name;
  }

  public boolean isSecret() {
    return secret;
  }

  public EnvVar getEnvVar() {
    return envVar;
  }
}
