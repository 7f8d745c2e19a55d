package io.hubpolicy.model;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * How long a side service lives, named by the hub event that ends it. The names are the wire form
 * everywhere: in a profile's {@code lifecycle:}, on the objects' lifecycle annotation and in the
 * {@code event} of a stop. Events nest: deleting a server also stops it, deleting a user ends
 * everything of theirs.
 */
public enum Lifecycle {
  SERVER_STOPPED("server-stopped"),
  SERVER_DELETED("server-deleted"),
  USER_DELETED("user-deleted");

  private final String wire;

  Lifecycle(String wire) {
    this.wire = wire;
  }

  /** The name as written in configuration, annotations and stop events. */
  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }

  public static Optional<Lifecycle> of(String name) {
    return Arrays.stream(values()).filter(l -> l.wire.equals(name)).findFirst();
  }

  /** The names, for messages: {@code server-stopped, server-deleted, user-deleted}. */
  public static String names() {
    return String.join(", ", Arrays.stream(values()).map(Lifecycle::wire).toList());
  }

  /** The lifecycles this event ends: itself and every shorter one. */
  public Set<Lifecycle> ends() {
    return EnumSet.range(SERVER_STOPPED, this);
  }

  /**
   * The lifecycle a stop event names.
   *
   * @throws InvalidRequestException (field {@code event}) for anything else
   */
  public static Lifecycle event(String event) {
    return of(event)
        .orElseThrow(
            () ->
                new InvalidRequestException(
                    "event",
                    "event must be server-stopped, server-deleted or user-deleted; got '"
                        + event
                        + "'"));
  }
}
