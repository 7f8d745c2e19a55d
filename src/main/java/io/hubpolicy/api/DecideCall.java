package io.hubpolicy.api;

import io.fabric8.kubernetes.api.model.Pod;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decision or launch request as it arrives: {@code {"user", "groups", "image", "size", "gpu",
 * "gpuType", "server", "userId", "pod"}}. {@code server} is the named server (empty or absent for
 * the default one); {@code gpu} and {@code gpuType} are what the user chose on the spawn form;
 * {@code userId} is the hub's id of the user, for {@code {userid}} in the configuration.
 */
public record DecideCall(SpawnRequest request, Pod pod, String server) {
  private static final Set<String> FIELDS =
      Set.of("user", "groups", "image", "size", "gpu", "gpuType", "server", "userId", "pod");

  /** The server is the request's too, so that a decision's audit line names it. */
  public DecideCall {
    server = server == null ? "" : server;
    if (!server.equals(request.server())) {
      request = request.withServer(server);
    }
  }

  public DecideCall(SpawnRequest request, Pod pod) {
    this(request, pod, request.server());
  }

  /** Parses and checks a request body; every error names the field it is about. */
  public static DecideCall parse(String body) {
    return check(
        JsonBodies.object(body, "user, groups, image, size, gpu, gpuType, server, userId, pod"));
  }

  /** The same check of a body already read as JSON (a line of a request log). */
  public static DecideCall of(JsonNode body) {
    return check(body);
  }

  /**
   * The same call from separate fields (the gRPC edge), checked exactly as {@link #parse} checks a
   * body. An empty string stands for a field not given (protobuf cannot tell them apart).
   *
   * @param pod the pod as JSON text
   */
  public static DecideCall of(
      String user, List<String> groups, String image, String size, String server, String pod) {
    return of(user, groups, image, size, server, pod, null, null, null);
  }

  /**
   * @param gpu the GPU count chosen on the form, null for none
   * @param gpuType the GPU type chosen on the form, null or empty for none
   * @param userId the hub's id of the user, null for not sent
   */
  public static DecideCall of(
      String user,
      List<String> groups,
      String image,
      String size,
      String server,
      String pod,
      Integer gpu,
      String gpuType,
      Long userId) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    putIfGiven(root, "user", user);
    groups.forEach(root.putArray("groups")::add);
    putIfGiven(root, "image", image);
    putIfGiven(root, "size", size);
    putIfGiven(root, "server", server);
    if (gpu != null) {
      root.put("gpu", gpu);
    }
    putIfGiven(root, "gpuType", gpuType);
    if (userId != null) {
      root.put("userId", userId);
    }
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

  /**
   * The one check of a decide or launch call's fields, whichever edge it came through: each field's
   * type, then its value as {@link RequestFields} bounds it.
   */
  private static DecideCall check(JsonNode root) {
    for (String name : root.propertyNames()) {
      if (!FIELDS.contains(name)) {
        throw new InvalidRequestException(
            name,
            "unknown field "
                + RequestFields.quote(name)
                + " (known: gpu, gpuType, groups, image, pod, server, size, user, userId)");
      }
    }
    String user = RequestFields.user(text(root, "user"), "user");
    List<String> groups = new ArrayList<>();
    JsonNode g = root.get("groups");
    if (g != null && !g.isNull()) {
      if (!g.isArray()) {
        throw new InvalidRequestException("groups", "groups must be a list of strings");
      }
      if (g.size() > RequestFields.MAX_GROUPS) {
        throw new InvalidRequestException(
            "groups",
            "groups has "
                + g.size()
                + " entries; at most "
                + RequestFields.MAX_GROUPS
                + " are accepted");
      }
      for (JsonNode item : g) {
        if (!item.isString()) {
          throw new InvalidRequestException(
              "groups", "groups must be a list of strings, found " + kind(item));
        }
        groups.add(item.asString());
      }
    }
    groups = RequestFields.groups(groups, "groups");
    String image = RequestFields.image(text(root, "image"), "image");
    String size = RequestFields.size(text(root, "size"), "size");
    String server = RequestFields.server(text(root, "server"), "server");
    Pod pod = null;
    JsonNode p = root.get("pod");
    if (p != null && !p.isNull()) {
      pod = pod(p);
    }
    Integer gpu = gpu(root.get("gpu"));
    String gpuType = RequestFields.word(text(root, "gpuType"), "gpuType");
    Long userId = userId(root.get("userId"));
    return new DecideCall(
        new SpawnRequest(user, groups, image, size).withGpu(gpu, gpuType).withUserId(userId),
        pod,
        server);
  }

  /** The hub's user id: a whole number from 0 to 2^63-1, or absent. */
  private static Long userId(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber()
        || n.bigIntegerValue().signum() < 0
        || n.bigIntegerValue().bitLength() > 63) {
      throw new InvalidRequestException(
          "userId",
          "userId must be a whole number from 0 to "
              + Long.MAX_VALUE
              + ", found "
              + (n.isNumber() ? n.asString() : kind(n)));
    }
    return n.longValue();
  }

  /** A GPU count: a whole number from 0 to {@link RequestFields#MAX_GPU}, or absent. */
  private static Integer gpu(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber()
        || n.bigIntegerValue().signum() < 0
        || n.bigIntegerValue().compareTo(java.math.BigInteger.valueOf(RequestFields.MAX_GPU)) > 0) {
      throw new InvalidRequestException(
          "gpu",
          "gpu must be a whole number from 0 to "
              + RequestFields.MAX_GPU
              + ", found "
              + (n.isNumber() ? n.asString() : kind(n)));
    }
    return n.intValue();
  }

  static Pod pod(JsonNode p) {
    if (!p.isObject()) {
      throw new InvalidRequestException("pod", "pod must be a Pod object, found " + kind(p));
    }
    JsonNode kind = p.get("kind");
    if (kind != null && !"Pod".equals(kind.isString() ? kind.asString() : null)) {
      throw new InvalidRequestException(
          "pod",
          "pod must be of kind Pod, not "
              + (kind.isString() ? RequestFields.quote(kind.asString()) : kind(kind)));
    }
    JsonBodies.requireUnicode(p, "pod", "pod");
    try {
      return KubeJson.SERIALIZATION.convertValue(p, Pod.class);
    } catch (RuntimeException e) {
      throw JsonBodies.invalid("pod", "pod is not a valid Pod: " + Words.of(e, "pod"), e);
    }
  }

  /** A pod from a file's text, JSON or YAML. */
  public static Pod podFromText(String text, String where) {
    Object parsed;
    try {
      parsed = KubeJson.SERIALIZATION.unmarshal(text, JsonNode.class);
    } catch (RuntimeException e) {
      throw JsonBodies.invalid(
          "pod", where + " is not valid JSON or YAML: " + Words.of(e, where), e);
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
      throw new InvalidRequestException(field, field + " must be a string, found " + kind(n));
    }
    return n.asString();
  }

  /** A JSON value's kind in words: {@code a number}, {@code a list}... */
  static String kind(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT, POJO -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case NULL -> "null";
      default -> "another kind of value";
    };
  }
}
