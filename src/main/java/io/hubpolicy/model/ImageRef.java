package io.hubpolicy.model;

/** An image reference split the way profile matching needs: the name without tag or digest. */
public final class ImageRef {
  private ImageRef() {}

  /**
   * {@code quay.io/org/nb:3.6} → {@code quay.io/org/nb}; {@code registry:5000/nb} keeps its port;
   * {@code nb@sha256:…} → {@code nb}.
   */
  public static String nameWithoutTag(String image) {
    String s = image;
    int at = s.indexOf('@');
    if (at >= 0) {
      s = s.substring(0, at);
    }
    int colon = s.lastIndexOf(':');
    if (colon > s.lastIndexOf('/')) {
      s = s.substring(0, colon);
    }
    return s;
  }

  public static boolean hasTag(String image) {
    return !nameWithoutTag(image).equals(image);
  }
}
