package io.hubpolicy.model;

/** The caller asked for something that cannot be decided: a missing user, an unknown size... */
public class InvalidRequestException extends PolicyException {
  private final String field;

  public InvalidRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field the message is about, e.g. {@code size}. */
  public String field() {
    return field;
  }
}
