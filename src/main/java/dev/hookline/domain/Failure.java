package dev.hookline.domain;

import io.vertx.core.VertxException;
import io.vertx.sqlclient.DatabaseException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * What a failed create, credential write or API request tells its caller: the one mapping from
 * exceptions to codes, used by both event-bus verticles and both HTTP handlers. The event bus has
 * no 413, so an oversized payload is a 400 there, as its contract has always said.
 */
public record Failure(Kind kind, String field, String message) {

  public enum Kind {
    INVALID(400, 400),
    TOO_LARGE(413, 400),
    NOT_FOUND(404, 404),
    CONFLICT(409, 409),
    RATE_LIMITED(429, 429),
    UNAVAILABLE(503, 503),
    INTERNAL(500, 500);

    private final int httpStatus;
    private final int busCode;

    Kind(int httpStatus, int busCode) {
      this.httpStatus = httpStatus;
      this.busCode = busCode;
    }
  }

  /**
   * {@code revealOwner}: whether the caller may learn which organization owns a run it collided
   * with (operators and the trusted event bus may; a tenant learns only that it is not theirs).
   */
  public static Failure of(Throwable error, boolean revealOwner) {
    if (error instanceof PayloadTooLargeException tooLarge) {
      return new Failure(Kind.TOO_LARGE, tooLarge.field(), tooLarge.getMessage());
    }
    if (error instanceof InvalidRequestException invalid) {
      return new Failure(Kind.INVALID, invalid.field(), invalid.getMessage());
    }
    if (error instanceof RateLimitedException limited) {
      return new Failure(Kind.RATE_LIMITED, limited.field(), limited.getMessage());
    }
    if (error instanceof TenantMismatchException mismatch) {
      return new Failure(Kind.CONFLICT, "workflowRunId", revealOwner ? mismatch.getMessage() : mismatch.withoutOwner());
    }
    if (error instanceof DeliveryNotFoundException notFound) {
      return new Failure(Kind.NOT_FOUND, "uuid", notFound.getMessage());
    }
    if (error instanceof StatusConflictException conflict) {
      return new Failure(Kind.CONFLICT, "status", conflict.getMessage());
    }
    if (error instanceof CredentialConflictException conflict) {
      return new Failure(Kind.CONFLICT, "credentialUuid", conflict.getMessage());
    }
    if (error instanceof CredentialKeyException keys) {
      return new Failure(Kind.UNAVAILABLE, null, keys.getMessage());
    }
    if (isStorageFailure(error)) {
      return new Failure(Kind.UNAVAILABLE, null, "storage unavailable: " + error.getClass().getSimpleName());
    }
    return new Failure(Kind.INTERNAL, null, "internal error: " + error.getClass().getSimpleName());
  }

  /** Postgres or Redis unavailable (503) rather than a bug (500). */
  public static boolean isStorageFailure(Throwable error) {
    return error instanceof DatabaseException || error instanceof VertxException || error instanceof IOException
        || error instanceof TimeoutException;
  }

  public int httpStatus() {
    return kind.httpStatus;
  }

  public int busCode() {
    return kind.busCode;
  }

  /** A failure of Hookline or its storage, worth an operator's attention, rather than of the request. */
  public boolean isServerSide() {
    return kind == Kind.UNAVAILABLE || kind == Kind.INTERNAL;
  }
}
