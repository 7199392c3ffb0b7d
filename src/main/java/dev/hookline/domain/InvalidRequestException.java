package dev.hookline.domain;

/** Bad input: replied as 400 with a message that starts with the offending field. */
public class InvalidRequestException extends RuntimeException {
  private final String field;

  public InvalidRequestException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
