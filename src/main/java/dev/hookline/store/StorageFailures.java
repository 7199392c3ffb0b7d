package dev.hookline.store;

import io.vertx.sqlclient.DatabaseException;

/** Which Postgres errors refuse one row rather than a whole statement group. */
public final class StorageFailures {
  private StorageFailures() {
  }

  /**
   * A statement refused for what one row holds (a value Postgres cannot store, a constraint) rather
   * than for the database being unavailable: SQLSTATE classes 22 (data exception), 23 (integrity)
   * and 54 (a program limit, e.g. an index row too large). Splitting a group isolates such a row.
   */
  public static boolean isRowRefusal(Throwable error) {
    if (!(error instanceof DatabaseException db) || db.getSqlState() == null) {
      return false;
    }
    String state = db.getSqlState();
    return state.startsWith("22") || state.startsWith("23") || state.startsWith("54");
  }

  /**
   * A batch refused for one of its rows ({@link #isRowRefusal}), or rolled back as a deadlock or
   * serialization victim (class 40): smaller batches may go through, so splitting is worth trying.
   */
  public static boolean isBatchRefusal(Throwable error) {
    return isRowRefusal(error)
        || (error instanceof DatabaseException db && db.getSqlState() != null && db.getSqlState().startsWith("40"));
  }

  /**
   * Whether a statement that failed with {@code error} may still have committed: its answer was
   * lost (a timeout, a connection that broke mid-statement). An error Postgres answered rolled the
   * statement back, and a connection that could not be made sent nothing.
   */
  public static boolean mayHaveCommitted(Throwable error) {
    return !(error instanceof DatabaseException) && !(error instanceof java.net.ConnectException);
  }
}
