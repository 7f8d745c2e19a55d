package io.hubpolicy.engine.facts;

import io.hubpolicy.model.ImageRef;
import io.hubpolicy.model.SpawnRequest;
import java.util.List;

/**
 * The request as a fact: rules match on {@code user}, {@code groups}, {@code image}, {@code size}.
 */
public final class Spawn {
  private final SpawnRequest request;

  public Spawn(SpawnRequest request) {
    this.request = request;
  }

  public String getUser() {
    return request.user();
  }

  public List<String> getGroups() {
    return request.groups();
  }

  public String getImage() {
    return request.image();
  }

  /**
   * The image without its tag, e.g. {@code s2i-thoth-notebook} for {@code s2i-thoth-notebook:3.6}.
   */
  public String getImageName() {
    return request.image() == null ? null : ImageRef.nameWithoutTag(request.image());
  }

  /** The chosen size, or null when none was chosen (absent, empty or Default). */
  public String getSize() {
    return request.size();
  }

  public boolean inGroup(String group) {
    return request.groups().contains(group);
  }

  public SpawnRequest request() {
    return request;
  }

  @Override
  public String toString() {
    return "Spawn" + request;
  }
}
