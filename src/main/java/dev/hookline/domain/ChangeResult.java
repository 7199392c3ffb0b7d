package dev.hookline.domain;

import io.vertx.core.Future;
import java.util.UUID;

/**
 * The result of an operator action on one delivery: {@code NOT_FOUND}, {@code CONFLICT} (it is in
 * a status the action does not apply to; {@code status} says which) or {@code DONE}.
 */
public record ChangeResult(Kind kind, String status, DueRef queued) {

  public enum Kind { DONE, NOT_FOUND, CONFLICT }

  public static ChangeResult notFound() {
    return new ChangeResult(Kind.NOT_FOUND, null, null);
  }

  /**
   * This result when the change was made; otherwise the failure that says why not, the same for
   * HTTP and the event bus: 404, or 409 with {@code conflict} and the status the delivery is in.
   */
  public Future<ChangeResult> orFailure(UUID uuid, String conflict) {
    return switch (kind) {
      case NOT_FOUND -> Future.failedFuture(new DeliveryNotFoundException(uuid));
      case CONFLICT -> Future.failedFuture(new StatusConflictException(conflict + "; it is " + status));
      case DONE -> Future.succeededFuture(this);
    };
  }
}
