package io.hubpolicy.engine;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.Quantities;
import io.hubpolicy.model.Size;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The old library's algorithm as a plain loop: walk every profile in order, merge the matching
 * ones, then the size. Written independently of the engine (its own matching code) so that
 * agreement on generated configurations means something. Also the benchmark baseline.
 */
public final class ReferenceMerge {
  public record Result(
      List<String> profiles, Map<String, String> env, Map<String, Quantity> resources) {}

  private ReferenceMerge() {}

  public static Result decide(PolicyConfig config, SpawnRequest r) {
    List<String> applied = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, Quantity> resources = new LinkedHashMap<>();
    for (Profile p : config.profiles()) {
      if (!userMatches(p, r) || !imageMatches(p, r.image())) {
        continue;
      }
      applied.add(p.name());
      for (EnvVar e : p.env()) {
        env.put(e.getName(), e.getValue());
      }
      resources.putAll(p.resources());
    }
    String size = r.size();
    if (size != null && !size.isEmpty() && !size.equals("Default")) {
      Size chosen = null;
      for (Size s : config.sizes()) {
        if (s.name().equals(size)) {
          chosen = s;
        }
      }
      resources.putAll(chosen.resources());
    }
    env.put("JUPYTERHUB_USER_NAME", r.user());
    Quantity mem = resources.get("limits.memory");
    if (mem != null) {
      env.put("MEM_LIMIT", String.valueOf(Quantities.bytes(mem)));
    }
    return new Result(applied, env, resources);
  }

  static boolean userMatches(Profile p, SpawnRequest r) {
    if (p.users().isEmpty() && p.groups().isEmpty()) {
      return true;
    }
    if (p.users().contains("*") || p.users().contains(r.user())) {
      return true;
    }
    return r.groups().stream().anyMatch(p.groups()::contains);
  }

  static boolean imageMatches(Profile p, String image) {
    if (p.images().isEmpty()) {
      return true;
    }
    if (image == null) {
      return false;
    }
    String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
    for (String entry : p.images()) {
      if (entry.equals(image)) {
        return true;
      }
      if (entry.contains("*") && image.matches(entry.replace(".", "\\.").replace("*", ".*"))) {
        return true;
      }
      if (!entry.contains(":") && entry.equals(name)) {
        return true;
      }
    }
    return false;
  }
}
