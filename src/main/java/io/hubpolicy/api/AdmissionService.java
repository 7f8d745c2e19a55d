package io.hubpolicy.api;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.hubpolicy.format.JsonBodies;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.format.RequestFields;
import io.hubpolicy.format.Words;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.SpawnDeniedException;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.mutation.PodMutator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The mutating admission webhook: answers the API server's {@code admission.k8s.io/v1}
 * AdmissionReview for a pod the hub creates with the same decision {@code POST /v1/decisions} would
 * give, as a JSON Patch.
 *
 * <p>Three kinds of answer, because the API server treats them differently:
 *
 * <ul>
 *   <li>{@code allowed: true}, with a patch for a single-user pod and without one for anything else
 *       (other pods, other kinds, operations other than CREATE);
 *   <li>{@code allowed: false} with a status (403 when a rule denies, 400 when the pod cannot be
 *       decided, e.g. an unknown size annotation): the API server refuses the pod and the hub sees
 *       the message, whatever the webhook's {@code failurePolicy};
 *   <li>an exception (an HTTP error from {@link HttpApi}) when the review itself is malformed or no
 *       decision can be made (no rule base yet, a failing rule): a webhook failure, after which the
 *       {@code failurePolicy} decides. Nothing here turns an error into "allowed".
 * </ul>
 *
 * <p>Only the pod is changed: a decision's side services are not started (that is {@code POST
 * /v1/launches}, called by the hub).
 */
public final class AdmissionService {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionService.class);

  public static final String API_VERSION = "admission.k8s.io/v1";
  public static final String KIND = "AdmissionReview";

  /** KubeSpawner labels every single-user pod so; the webhook's objectSelector matches it too. */
  public static final String COMPONENT_LABEL = "component";

  public static final String SINGLEUSER_COMPONENT = "singleuser-server";

  /** The user name as the hub knows it (KubeSpawner's label of the same key is escaped). */
  public static final String USERNAME_ANNOTATION = "hub.jupyter.org/username";

  /** The size the user chose; KubeSpawner has no such notion, so the hub sets it. */
  public static final String SIZE_ANNOTATION = "hubpolicy.io/size";

  /** The user's groups, comma-separated; set by the hub like the size. */
  public static final String GROUPS_ANNOTATION = "hubpolicy.io/groups";

  /** The audit annotation key; the API server prefixes it with the webhook's name. */
  static final String DECISION_ID_AUDIT_KEY = "decision-id";

  // The pod's fields whose problems the hub can fix, for messages that say where to look.
  private static final Map<String, String> FIELD_SOURCES =
      Map.of(
          "user", "annotation " + USERNAME_ANNOTATION,
          "size", "annotation " + SIZE_ANNOTATION,
          "groups", "annotation " + GROUPS_ANNOTATION,
          "image", "the notebook container's image",
          "pod", "the pod");

  private final DecisionService decisions;

  public AdmissionService(DecisionService decisions) {
    this.decisions = decisions;
  }

  /**
   * The AdmissionReview answering {@code body}.
   *
   * @throws InvalidRequestException naming the field, if {@code body} is not an AdmissionReview
   *     request the API server could have sent
   */
  public ObjectNode review(String body) {
    JsonNode request = request(body);
    String uid = requiredText(request, "uid");
    JsonNode kind = request.get("kind");
    if (kind == null || !kind.isObject() || !kind.path("kind").isString()) {
      throw new InvalidRequestException(
          "request.kind", "request.kind must be an object with group, version and kind");
    }
    String operation = requiredText(request, "operation");
    boolean pod =
        kind.path("group").asString("").isEmpty()
            && "Pod".equals(kind.get("kind").asString())
            // pods/binding, pods/eviction...: the rules should not send these, but if they do
            // they are not the pod.
            && request.path("subResource").asString("").isEmpty();
    if (!pod || !"CREATE".equals(operation)) {
      return allowed(uid, null, null);
    }
    JsonNode object = request.get("object");
    if (object == null || !object.isObject()) {
      throw new InvalidRequestException(
          "request.object", "request.object (the pod being created) is required for a CREATE");
    }
    JsonNode meta = object.path("metadata");
    // The API server never sends a label or annotation that is not a string, nor more
    // annotations than it stores: such a review did not come from it, and gets a definite no.
    String malformed = stringMap(meta, "labels");
    if (malformed == null) {
      malformed = stringMap(meta, "annotations");
    }
    if (malformed != null) {
      LOG.info("refused a pod: {}", malformed);
      return refused(
          uid, 400, "BadRequest", "hubpolicy cannot decide this pod: " + malformed, null);
    }
    JsonNode user = meta.path("annotations").path(USERNAME_ANNOTATION);
    if (!SINGLEUSER_COMPONENT.equals(meta.path("labels").path(COMPONENT_LABEL).asString(null))
        || !user.isString()) {
      return allowed(uid, null, null);
    }
    JsonNode dryRun = request.path("dryRun");
    if (!dryRun.isMissingNode() && !dryRun.isNull() && !dryRun.isBoolean()) {
      throw new InvalidRequestException("request.dryRun", "request.dryRun must be a boolean");
    }
    Pod model;
    try {
      model = KubeJson.SERIALIZATION.convertValue(object, Pod.class);
    } catch (RuntimeException e) {
      throw JsonBodies.invalid(
          "request.object",
          "request.object is not a valid Pod: " + Words.of(e, "request.object"),
          e);
    }
    return decide(uid, object, model, user.asString(), dryRun.asBoolean(false));
  }

  private ObjectNode decide(String uid, JsonNode raw, Pod pod, String user, boolean dryRun) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    Decision d;
    JsonNode patch;
    try {
      SpawnRequest request =
          new SpawnRequest(
              RequestFields.user(user, "user"),
              RequestFields.groups(groups(annotations.get(GROUPS_ANNOTATION)), "groups"),
              RequestFields.image(notebookImage(pod), "image"),
              RequestFields.size(annotations.get(SIZE_ANNOTATION), "size"));
      // A dry run (kubectl --dry-run=server, or a hub checking its pod) must leave no trace: the
      // webhook is declared sideEffects: NoneOnDryRun.
      d = dryRun ? decisions.preview(request) : decisions.decide(request);
      if (!d.allowed()) {
        String message = SpawnDeniedException.message(d.reasons());
        LOG.info("refused the pod of {}: {} (decision {})", user, message, d.decisionId());
        return refused(uid, 403, "Forbidden", message, dryRun ? null : d.decisionId());
      }
      patch = decisions.mutator().applyToRaw(raw, d).patch();
    } catch (InvalidRequestException e) {
      // The pod asks for something that cannot be decided: a definite "no" the hub can act on,
      // not a webhook failure that failurePolicy: Ignore would wave through.
      String message =
          "hubpolicy cannot decide this pod ("
              + (e.field() == null ? "the pod" : FIELD_SOURCES.getOrDefault(e.field(), e.field()))
              + "): "
              + e.getMessage();
      LOG.info("refused the pod of {}: {}", RequestFields.quote(user), message);
      return refused(uid, 400, "BadRequest", message, null);
    }
    return allowed(uid, patch, dryRun ? null : d.decisionId());
  }

  /** The review's {@code request}, after checking the envelope. */
  private static JsonNode request(String body) {
    JsonNode root = JsonBodies.object(body, "apiVersion, kind and request (an AdmissionReview)");
    if (!API_VERSION.equals(root.path("apiVersion").asString(null))) {
      throw new InvalidRequestException(
          "apiVersion",
          "apiVersion must be "
              + API_VERSION
              + " (admissionReviewVersions: [v1] in the webhook configuration), not "
              + found(root.path("apiVersion")));
    }
    if (!KIND.equals(root.path("kind").asString(null))) {
      throw new InvalidRequestException(
          "kind", "kind must be " + KIND + ", not " + found(root.path("kind")));
    }
    JsonNode request = root.get("request");
    if (request == null || !request.isObject()) {
      throw new InvalidRequestException(
          "request", "request is required: the API server sends the object under review there");
    }
    return request;
  }

  private static String found(JsonNode n) {
    return n.isMissingNode()
        ? "absent"
        : n.isString() ? RequestFields.quote(n.asString()) : DecideCall.kind(n);
  }

  private static String requiredText(JsonNode request, String field) {
    JsonNode n = request.get(field);
    if (n == null || !n.isString() || n.asString().isBlank()) {
      throw new InvalidRequestException(
          "request." + field, "request." + field + " is required (a non-empty string)");
    }
    // Echoed in the answer: a uid is a UUID, an operation a word.
    return RequestFields.text(
        n.asString(), "request." + field, RequestFields.MAX_NAME, "the API server sends less");
  }

  /**
   * What is wrong with {@code meta.<name>} (labels or annotations), or null: it must be an object
   * of strings, and annotations at most {@link RequestFields#MAX_ANNOTATIONS_BYTES} in all.
   */
  private static String stringMap(JsonNode meta, String name) {
    JsonNode map = meta.get(name);
    if (map == null || map.isNull()) {
      return null;
    }
    if (!map.isObject()) {
      return "metadata." + name + " must be an object of strings, found " + DecideCall.kind(map);
    }
    long bytes = 0;
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      if (!e.getValue().isString()) {
        return (name.equals("labels") ? "label " : "annotation ")
            + RequestFields.quote(e.getKey())
            + " must be a string, found "
            + DecideCall.kind(e.getValue());
      }
      bytes +=
          e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().asString().getBytes(StandardCharsets.UTF_8).length;
    }
    if (name.equals("annotations") && bytes > RequestFields.MAX_ANNOTATIONS_BYTES) {
      return "the annotations take "
          + bytes
          + " bytes; Kubernetes stores at most "
          + RequestFields.MAX_ANNOTATIONS_BYTES;
    }
    return null;
  }

  private static List<String> groups(String annotation) {
    if (annotation == null) {
      return List.of();
    }
    return Arrays.stream(annotation.split(","))
        .map(String::strip)
        .filter(g -> !g.isEmpty())
        .toList();
  }

  private static String notebookImage(Pod pod) {
    if (pod.getSpec() == null
        || pod.getSpec().getContainers() == null
        || pod.getSpec().getContainers().isEmpty()) {
      throw new InvalidRequestException("pod", "the pod has no containers");
    }
    Container nb = PodMutator.notebookContainer(pod.getSpec());
    return nb.getImage();
  }

  /**
   * @param patch null for none
   * @param decisionId the audited decision; null if not audited
   */
  private static ObjectNode allowed(String uid, JsonNode patch, String decisionId) {
    AdmissionResponseBuilder r = new AdmissionResponseBuilder().withUid(uid).withAllowed(true);
    if (patch != null && !patch.isEmpty()) {
      r.withPatchType("JSONPatch")
          .withPatch(
              Base64.getEncoder()
                  .encodeToString(
                      KubeJson.SERIALIZATION.asJson(patch).getBytes(StandardCharsets.UTF_8)));
    }
    return json(r, decisionId);
  }

  private static ObjectNode refused(
      String uid, int code, String reason, String message, String decisionId) {
    AdmissionResponseBuilder r =
        new AdmissionResponseBuilder()
            .withUid(uid)
            .withAllowed(false)
            .withStatus(
                new StatusBuilder()
                    .withStatus("Failure")
                    .withCode(code)
                    .withReason(reason)
                    .withMessage(message)
                    .build());
    return json(r, decisionId);
  }

  /**
   * The review answering with {@code response}; an audited decision is named for the API server's
   * audit log, so that its record of the pod leads to ours.
   */
  private static ObjectNode json(AdmissionResponseBuilder response, String decisionId) {
    if (decisionId != null) {
      response.addToAuditAnnotations(DECISION_ID_AUDIT_KEY, decisionId);
    }
    AdmissionReview review = new AdmissionReviewBuilder().withResponse(response.build()).build();
    return (ObjectNode) KubeJson.SERIALIZATION.convertValue(review, JsonNode.class);
  }
}
