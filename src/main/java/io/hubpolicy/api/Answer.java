package io.hubpolicy.api;

import io.hubpolicy.format.KubeJson;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decision's answer as UTF-8 JSON ({@link AnswerJson}): HTTP sends the bytes as they are; gRPC
 * sends them as text and reads its typed fields from the tree.
 */
public final class Answer {
  private final byte[] json;

  Answer(byte[] json) {
    this.json = json;
  }

  /** The JSON's bytes; not to be changed. */
  public byte[] utf8() {
    return json;
  }

  public String text() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /** The same JSON as a tree (parsed on each call). */
  public ObjectNode tree() {
    return (ObjectNode) KubeJson.mapper().readTree(json);
  }
}
