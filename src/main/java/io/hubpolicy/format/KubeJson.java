package io.hubpolicy.format;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one Jackson (3) setup for Kubernetes objects, shared so that every layer reads and writes
 * fabric8 model classes the same way the client does.
 */
public final class KubeJson {
  public static final KubernetesSerialization SERIALIZATION;
  private static final JsonMapper MAPPER;

  static {
    Capturing s = new Capturing();
    SERIALIZATION = s;
    MAPPER =
        (JsonMapper)
            s.configured; // fabric8 builds a JsonMapper: a failure here says it no longer does
  }

  private KubeJson() {}

  /**
   * The mapper behind {@link #SERIALIZATION}, for writing fabric8 objects into a stream ({@code
   * JsonGenerator.writePOJO}) without first converting them to a tree; fabric8 keeps it to itself.
   */
  public static JsonMapper mapper() {
    return MAPPER;
  }

  /** Keeps the mapper fabric8 configures in its constructor. */
  private static final class Capturing extends KubernetesSerialization {
    private ObjectMapper configured; // set from the super constructor: no initializer

    @Override
    protected ObjectMapper configureMapper(ObjectMapper mapper) {
      configured = super.configureMapper(mapper);
      return configured;
    }
  }
}
