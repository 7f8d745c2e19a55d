package io.hubpolicy.api;

import io.fabric8.kubernetes.api.model.Pod;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decision or launch request as it arrives: {@code {"user", "groups", "image", "size", "server",
 * "pod"}}. {@code server} is the named server (empty or absent for the default one).
 */
public record DecideCall(SpawnRequest request, Pod pod, String server) {
  private static final Set<String> FIELDS =
      Set.of("user", "groups", "image", "size", "server", "pod");

  public DecideCall {
    server = server == null ? "" : server;
  }

  public DecideCall(SpawnRequest request, Pod pod) {
    this(request, pod, "");
  }

  /** Parses and checks a request body; every error names the field it is about. */
  public static DecideCall parse(String body) {
    return check(JsonBodies.object(body, "user, groups, image, size, server, pod"));
  }

  /**
   * The same call from separate fields (the gRPC edge), checked exactly as {@link #parse} checks a
   * body. An empty string stands for a field not given (protobuf cannot tell them apart).
   *
   * @param pod the pod as JSON text
   */
  public static DecideCall of(
      String user, List<String> groups, String image, String size, String server, String pod) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    putIfGiven(root, "user", user);
    groups.forEach(root.putArray("groups")::add);
    putIfGiven(root, "image", image);
    putIfGiven(root, "size", size);
    putIfGiven(root, "server", server);
    if (pod != null && !pod.isEmpty()) {
      root.set("pod", JsonBodies.value(pod, "pod"));
    }
    return check(root);
  }

  private static void putIfGiven(ObjectNode root, String field, String value) {
    if (value != null && !value.isEmpty()) {
      root.put(field, value);
    }
  }

  private static DecideCall check(JsonNode root) {
    for (String name : root.propertyNames()) {
      if (!FIELDS.contains(name)) {
        throw new InvalidRequestException(
            name, "unknown field '" + name + "' (known: groups, image, pod, server, size, user)");
      }
    }
    String user = text(root, "user");
    if (user == null || user.isBlank()) {
      throw new InvalidRequestException("user", "user is required");
    }
    List<String> groups = new ArrayList<>();
    JsonNode g = root.get("groups");
    if (g != null && !g.isNull()) {
      if (!g.isArray()) {
        throw new InvalidRequestException("groups", "groups must be a list of strings");
      }
      for (JsonNode item : g) {
        if (!item.isString()) {
          throw new InvalidRequestException(
              "groups", "groups must be a list of strings, found " + item.getNodeType());
        }
        groups.add(item.asString());
      }
    }
    Pod pod = null;
    JsonNode p = root.get("pod");
    if (p != null && !p.isNull()) {
      pod = pod(p);
    }
    return new DecideCall(
        new SpawnRequest(user, groups, text(root, "image"), text(root, "size")),
        pod,
        text(root, "server"));
  }

  static Pod pod(JsonNode p) {
    if (!p.isObject()) {
      throw new InvalidRequestException("pod", "pod must be a Pod object");
    }
    if (p.has("kind") && !"Pod".equals(p.get("kind").asString())) {
      throw new InvalidRequestException(
          "pod", "pod must be of kind Pod, not " + p.get("kind").asString());
    }
    try {
      return KubeJson.SERIALIZATION.convertValue(p, Pod.class);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("pod", "pod is not a valid Pod: " + e.getMessage());
    }
  }

  /** A pod from a file's text, JSON or YAML. */
  public static Pod podFromText(String text, String where) {
    Object parsed;
    try {
      parsed = KubeJson.SERIALIZATION.unmarshal(text, JsonNode.class);
    } catch (RuntimeException e) {
      throw new InvalidRequestException(
          "pod", where + " is not valid JSON or YAML: " + e.getMessage());
    }
    if (!(parsed instanceof JsonNode n)) {
      throw new InvalidRequestException("pod", where + " does not hold a Pod");
    }
    return pod(n);
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isString()) {
      throw new InvalidRequestException(
          field, field + " must be a string, found " + n.getNodeType());
    }
    return n.asString();
  }
}
