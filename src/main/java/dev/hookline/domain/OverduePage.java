package dev.hookline.domain;

import java.time.Instant;
import java.util.List;

/**
 * One page of overdue pending deliveries, in due order, and where the next page starts. The
 * cursor keeps the due time at the database's precision (microseconds): the ids' scores are
 * milliseconds, and rows created in one batch share a due time, so a cursor rounded to the
 * millisecond would read the same rows again.
 */
public record OverduePage(List<DueRef> refs, Cursor next) {
  /** After the row due at {@code scheduledFor} with id {@code id}, in (scheduled_for, id) order. */
  public record Cursor(Instant scheduledFor, long id) {
    /** Before every row. */
    public static final Cursor START = new Cursor(Instant.EPOCH, 0);
  }
}
