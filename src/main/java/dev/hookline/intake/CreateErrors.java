package dev.hookline.intake;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.TenantMismatchException;
import dev.hookline.store.StorageFailures;

/** The create contract's failure codes, shared by the event bus and the HTTP API. */
public final class CreateErrors {
  private CreateErrors() {
  }

  /** 400 invalid input (an oversized payload included), 409 another organization's run, 503 storage unavailable, 500 otherwise. */
  public static int code(Throwable error) {
    if (error instanceof InvalidRequestException) {
      return 400;
    }
    if (error instanceof TenantMismatchException) {
      return 409;
    }
    return StorageFailures.isStorageFailure(error) ? 503 : 500;
  }
}
