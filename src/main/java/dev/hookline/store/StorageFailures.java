package dev.hookline.store;

import io.vertx.core.VertxException;
import io.vertx.sqlclient.DatabaseException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** Which errors mean "Postgres or Redis is unavailable" (503) rather than a bug (500). */
public final class StorageFailures {
  private StorageFailures() {
  }

  public static boolean isStorageFailure(Throwable error) {
    return error instanceof DatabaseException || error instanceof VertxException || error instanceof IOException
        || error instanceof TimeoutException;
  }
}
