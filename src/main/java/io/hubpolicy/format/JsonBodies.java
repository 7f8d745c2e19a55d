package io.hubpolicy.format;

import io.hubpolicy.model.InvalidRequestException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Request bodies: a JSON object, or a 400 that says what was expected. */
public final class JsonBodies {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private JsonBodies() {}

  /** A field that carries JSON as text (a pod over gRPC): any JSON value, else a 400 for it. */
  public static JsonNode value(String text, String field) {
    try {
      return MAPPER.readTree(text);
    } catch (JacksonException e) {
      throw new InvalidRequestException(
          field, field + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /**
   * @param fields what the object should hold, for the message, e.g. "user, groups, image"
   */
  public static JsonNode object(String body, String fields) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body == null ? "" : body);
    } catch (JacksonException e) {
      throw new InvalidRequestException(
          "body", "request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRequestException(
          "body", "request body must be a JSON object with " + fields);
    }
    return root;
  }
}
