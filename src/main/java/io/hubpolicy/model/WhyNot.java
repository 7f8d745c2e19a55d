package io.hubpolicy.model;

import java.util.List;

/**
 * Why the profiles that did not apply to a decision's request did not, computed only when asked and
 * only as much as asked: the ones that came close cost about what the decision cost, a page of all
 * of them costs its length, and only {@link #all} grows with the configuration.
 *
 * <p>A profile <em>came close</em> when exactly one of its two conditions held, and held because
 * the profile names the request: the user is named in its {@code users} (or one of their groups in
 * its {@code groups}) but the image did not match, or it names the image (equal, the image's name
 * without its tag, or a glob) but the user condition did not hold. A profile that is for everyone
 * or for every image is never close: it says nothing about this request in particular.
 */
public interface WhyNot {
  /** How many profiles did not apply. */
  int count();

  /**
   * The profiles that came close, in configuration order, at most {@code cap} of them, and how many
   * came close in all.
   */
  Close close(int cap);

  /**
   * Entries {@code offset} to {@code offset + limit - 1} of every profile that did not apply, in
   * configuration order (empty past the end).
   */
  List<NotApplied> page(int offset, int limit);

  /** Why the profile at {@code position} in the configuration did not apply; null when it did. */
  NotApplied of(int position);

  /** Every profile that did not apply: O(profiles). */
  default List<NotApplied> all() {
    return page(0, Integer.MAX_VALUE);
  }

  /** The first close profiles (at most the cap asked for) and how many came close in all. */
  record Close(List<NotApplied> shown, int count) {
    public Close {
      shown = List.copyOf(shown);
    }
  }
}
