package io.hubpolicy.preferences;

import io.hubpolicy.catalog.Catalogs;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A user's saved choices: read, and written only after checking every key. The old system let a
 * user save any profile key and applied it, so a user could mount another user's volume or take
 * GPUs. Here the only keys are image, size, gpu and env; each is checked against what the
 * configuration offers this user, and anything else is a 400 naming the key.
 */
public final class PreferencesService {
  static final Set<String> KEYS = Set.of("image", "size", "gpu", "env");
  static final Set<String> VAR_KEYS = Set.of("name", "value", "secret");
  static final int MAX_VARIABLES = 100;
  static final int MAX_VALUE_LENGTH = 32 * 1024;

  /**
   * The most GPUs a preference can name: above any node's count, MIG slices and time-sliced
   * replicas included (a pod runs on one node); the configuration's grant is checked as well.
   */
  public static final int MAX_GPU = RequestFields.MAX_GPU;

  // Kubernetes' rule for env names (C identifiers plus '-' and '.').
  private static final Pattern VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

  private final PreferenceStore store;
  private final DecisionEngine engine;
  private final Catalogs catalogs;

  /**
   * @param catalogs what each user is offered: a saved image or size must be one of theirs
   */
  public PreferencesService(PreferenceStore store, DecisionEngine engine, Catalogs catalogs) {
    this.store = store;
    this.engine = engine;
    this.catalogs = catalogs;
  }

  public PreferenceStore store() {
    return store;
  }

  public ObjectNode get(String user) {
    requireUser(user);
    return view(user, store.load(user));
  }

  /** How {@code saved} (already loaded) is shown: secret variables by name only. */
  public ObjectNode view(String user, UserPreferences saved) {
    return view(user, saved, store.storedSecrets(user));
  }

  /** Checks and saves; returns what is now stored. */
  public ObjectNode put(String user, List<String> groups, String body) {
    requireUser(user);
    JsonNode root = parse(body);
    for (String k : root.propertyNames()) {
      if (!KEYS.contains(k)) {
        throw new InvalidRequestException(
            k,
            RequestFields.quote(k)
                + " cannot be saved in preferences; only image, size, gpu and env can"
                + " (resources, volumes, tolerations, GPUs and services come from profiles)");
      }
    }
    RuleBase rb = engine.ruleBase();
    String image = RequestFields.image(string(root, "image"), "image");
    if (image != null && !catalogs.mayChoose(rb, image, user, groups)) {
      throw new InvalidRequestException(
          "image",
          RequestFields.quote(image)
              + " is not one of the images offered: "
              + String.join(", ", catalogs.imageNames(rb, user, groups)));
    }
    String size = RequestFields.size(string(root, "size"), "size");
    if (size != null
        && !size.equals("Default")
        && (!rb.sizes().containsKey(size)
            || !rb.sizes().get(size).audience().includes(user, groups))) {
      throw new InvalidRequestException(
          "size",
          "unknown size "
              + RequestFields.quote(size)
              + "; valid: "
              + String.join(", ", rb.sizes().keySet())
              + ", Default");
    }
    Integer gpu = null;
    JsonNode g = root.get("gpu");
    if (g != null && !g.isNull()) {
      // Compared as a big integer: asInt() of 3000000000 is no answer.
      if (!g.isIntegralNumber()
          || g.bigIntegerValue().signum() < 0
          || g.bigIntegerValue().compareTo(java.math.BigInteger.valueOf(MAX_GPU)) > 0) {
        throw new InvalidRequestException(
            "gpu",
            "gpu must be a whole number from 0 to "
                + MAX_GPU
                + ", found "
                + (g.isNumber() ? RequestFields.printable(g.toString(), 40) : kind(g)));
      }
      gpu = g.intValue();
      Decision granted = DecisionEngine.decide(new SpawnRequest(user, groups, image, size), rb);
      if (gpu > granted.gpu()) {
        throw new InvalidRequestException(
            "gpu",
            "gpu "
                + gpu
                + " is more than this configuration allows "
                + user
                + " ("
                + granted.gpu()
                + ")");
      }
    }
    Set<String> stored = store.storedSecrets(user);
    Map<String, String> secretValues = new LinkedHashMap<>();
    List<UserVariable> env = variables(root.get("env"), stored, secretValues);
    UserPreferences prefs = new UserPreferences(image, size, gpu, env);
    store.save(user, prefs, secretValues);
    Set<String> nowStored = new HashSet<>();
    env.stream().filter(UserVariable::secret).forEach(v -> nowStored.add(v.name()));
    return view(user, prefs, nowStored);
  }

  private static List<UserVariable> variables(
      JsonNode e, Set<String> stored, Map<String, String> secretValues) {
    List<UserVariable> out = new ArrayList<>();
    if (e == null || e.isNull()) {
      return out;
    }
    if (!e.isArray()) {
      throw new InvalidRequestException("env", "env must be a list of {name, value, secret}");
    }
    if (e.size() > MAX_VARIABLES) {
      throw new InvalidRequestException("env", "at most " + MAX_VARIABLES + " variables");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < e.size(); i++) {
      String f = "env[" + i + "]";
      JsonNode v = e.get(i);
      if (!v.isObject()) {
        throw new InvalidRequestException(f, f + " must be an object {name, value, secret}");
      }
      for (String k : v.propertyNames()) {
        if (!VAR_KEYS.contains(k)) {
          throw new InvalidRequestException(
              f + "." + k,
              RequestFields.quote(k)
                  + " is not allowed in a variable (only name, value, secret;"
                  + " valueFrom references are not for users)");
        }
      }
      String name = string(v, "name", f + ".name");
      if (name == null || !VAR_NAME.matcher(name).matches()) {
        throw new InvalidRequestException(
            f + ".name",
            "a variable name must match "
                + VAR_NAME.pattern()
                + "; got "
                + RequestFields.quote(name));
      }
      if (name.startsWith("JUPYTERHUB_") || name.equals("MEM_LIMIT")) {
        throw new InvalidRequestException(
            f + ".name", name + " is set by the hub or by hubpolicy and cannot be saved");
      }
      if (!seen.add(name)) {
        throw new InvalidRequestException(f + ".name", name + " appears twice");
      }
      JsonNode s = v.get("secret");
      if (s != null && !s.isNull() && !s.isBoolean()) {
        throw new InvalidRequestException(f + ".secret", "secret must be true or false");
      }
      boolean secret = s != null && s.asBoolean(false);
      String value = string(v, "value", f + ".value");
      if (value != null && value.length() > MAX_VALUE_LENGTH) {
        throw new InvalidRequestException(f + ".value", "longer than " + MAX_VALUE_LENGTH);
      }
      if (value != null && value.indexOf('\0') >= 0) {
        // No process environment can hold one: the container would not start.
        throw new InvalidRequestException(f + ".value", f + ".value contains a NUL character");
      }
      if (secret) {
        if (value == null && !stored.contains(name)) {
          throw new InvalidRequestException(f + ".value", "a new secret variable needs a value");
        }
        if (value != null) {
          secretValues.put(name, value);
        }
      }
      out.add(new UserVariable(name, secret ? null : (value == null ? "" : value), secret));
    }
    return out;
  }

  static ObjectNode view(String user, UserPreferences p, Set<String> storedSecrets) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("user", user);
    o.put("image", p.image());
    o.put("size", p.size());
    if (p.gpu() == null) {
      o.putNull("gpu");
    } else {
      o.put("gpu", p.gpu());
    }
    ArrayNode env = o.putArray("env");
    for (UserVariable v : p.env()) {
      ObjectNode e = env.addObject();
      e.put("name", v.name());
      if (v.secret()) {
        // Never the value: the form shows that one is stored, and sends none to keep it.
        e.put("secret", true);
        e.put("stored", storedSecrets.contains(v.name()));
      } else {
        e.put("value", v.value());
      }
    }
    return o;
  }

  private static JsonNode parse(String body) {
    return JsonBodies.object(body, "image, size, gpu, env");
  }

  private static void requireUser(String user) {
    RequestFields.user(user, "user");
  }

  private static String string(JsonNode n, String field) {
    return string(n, field, field);
  }

  private static String string(JsonNode n, String field, String path) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isString()) {
      throw new InvalidRequestException(path, path + " must be a string, found " + kind(v));
    }
    return v.asString();
  }

  private static String kind(JsonNode n) {
    return n.isArray()
        ? "a list"
        : n.isObject()
            ? "an object"
            : n.isNumber() ? "a number" : n.isBoolean() ? "true or false" : "a string";
  }
}
