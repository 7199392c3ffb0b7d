package dev.hookline.domain;

/**
 * The result of an operator action on one delivery: {@code NOT_FOUND}, {@code CONFLICT} (it is in
 * a status the action does not apply to; {@code status} says which) or {@code DONE}.
 */
public record ChangeResult(Kind kind, String status, DueRef queued) {

  public enum Kind { DONE, NOT_FOUND, CONFLICT }

  public static ChangeResult notFound() {
    return new ChangeResult(Kind.NOT_FOUND, null, null);
  }
}
