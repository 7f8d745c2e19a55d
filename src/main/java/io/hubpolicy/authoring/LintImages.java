package io.hubpolicy.authoring;

import io.hubpolicy.model.ImagePattern;
import io.hubpolicy.model.ImageRef;

/**
 * Image entries compared as sets of images, for lint. Each answer errs one way only, so that a
 * finding built on it is true: {@link #contains} says yes only when every image the inner entry
 * matches is matched by the outer one, and {@link #mayIntersect} says no only when no image is
 * matched by both. A question these rules cannot settle gets the answer that reports nothing.
 *
 * <p>An entry is exact ({@code nb:3.6}: that image), tagless ({@code quay.io/odh/nb}: the image
 * itself and every tag or digest of it, i.e. every image whose name without tag is that) or a glob
 * ({@code s2i-*}: {@code *} is any run of characters).
 */
final class LintImages {
  private LintImages() {}

  enum Form {
    EXACT,
    TAGLESS,
    GLOB
  }

  static Form form(String entry) {
    if (entry.indexOf('*') >= 0) {
      return Form.GLOB;
    }
    return ImageRef.hasTag(entry) ? Form.EXACT : Form.TAGLESS;
  }

  /** Whether every image {@code inner} matches is matched by {@code outer}. */
  static boolean contains(String outer, String inner) {
    if (outer.equals(inner)) {
      return true;
    }
    ImagePattern o = new ImagePattern(outer);
    return switch (form(inner)) {
      case EXACT -> o.matches(inner);
      // Every image of a tagless entry starts with it: a glob ending in * that matches the
      // entry itself matches whatever follows as well.
      case TAGLESS -> o.isGlob() && outer.endsWith("*") && o.matches(inner);
      case GLOB -> o.isGlob() && globContains(outer, inner);
    };
  }

  /**
   * Glob in glob. Every image of {@code inner} starts with its text before the first {@code *} and
   * ends with its text after the last; {@code outer} holds them all when its own ends are implied.
   */
  private static boolean globContains(String outer, String inner) {
    String o = collapse(outer);
    String i = collapse(inner);
    if (o.equals(i) || o.equals("*")) {
      return true;
    }
    String prefix = prefix(i);
    String suffix = suffix(i);
    ImagePattern op = new ImagePattern(o);
    // outer = R* and the inner prefix already matches R*: anything after it is absorbed.
    if (o.endsWith("*") && op.matches(prefix)) {
      return true;
    }
    // outer = *R and the inner suffix already matches *R.
    if (o.startsWith("*") && op.matches(suffix)) {
      return true;
    }
    // outer = P*S with one star: inner's prefix extends P and its suffix extends S.
    if (o.indexOf('*') == o.lastIndexOf('*')) {
      return prefix.startsWith(prefix(o)) && suffix.endsWith(suffix(o));
    }
    return false;
  }

  /** False only when no image can be matched by both entries. */
  static boolean mayIntersect(String a, String b) {
    Form fa = form(a);
    Form fb = form(b);
    if (fa == Form.EXACT) {
      return new ImagePattern(b).matches(a);
    }
    if (fb == Form.EXACT) {
      return new ImagePattern(a).matches(b);
    }
    if (fa == Form.TAGLESS && fb == Form.TAGLESS) {
      return a.equals(b);
    }
    if (fa == Form.TAGLESS || fb == Form.TAGLESS) {
      String t = fa == Form.TAGLESS ? a : b;
      String g = fa == Form.TAGLESS ? b : a;
      return new ImagePattern(g).matches(t) || compatiblePrefixes(t, prefix(g));
    }
    return compatiblePrefixes(prefix(a), prefix(b)) && compatibleSuffixes(suffix(a), suffix(b));
  }

  /** The literal text before the first {@code *} (all of it for an entry without one). */
  static String prefix(String glob) {
    int star = glob.indexOf('*');
    return star < 0 ? glob : glob.substring(0, star);
  }

  /** The literal text after the last {@code *}. */
  static String suffix(String glob) {
    int star = glob.lastIndexOf('*');
    return star < 0 ? glob : glob.substring(star + 1);
  }

  private static boolean compatiblePrefixes(String a, String b) {
    return a.startsWith(b) || b.startsWith(a);
  }

  private static boolean compatibleSuffixes(String a, String b) {
    return a.endsWith(b) || b.endsWith(a);
  }

  /** {@code a**b} is {@code a*b}. */
  private static String collapse(String glob) {
    return glob.replaceAll("\\*{2,}", "*");
  }
}
