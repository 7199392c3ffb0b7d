package dev.hookline.domain;

import java.time.Instant;

/**
 * What became of one fenced outcome write.
 *
 * <ul>
 *   <li>Recorded ({@code dueAt} set): the attempt still owned the row; its outcome is on the row and in
 *       the attempt log, and {@code dueAt} is the row's new due time.
 *   <li>Cancelled ({@code rowStatus} set): the fence kept it off the row, because a newer attempt took
 *       the row after this one's lease ran out, or the delivery was cancelled (and perhaps replayed)
 *       while it was in flight. It is logged as {@code cancelled} and the row is left as it was;
 *       {@code rowStatus}, {@code rowAttempt} and {@code rowReplays} are what the write found there.
 *   <li>{@code emitted}: for a recorded outcome, the events it caused, committed with it.
 *   <li>Neither: the row is gone (retention), or this attempt already has its log row (a write that
 *       succeeded although its answer was lost, then retried).
 * </ul>
 */
public record RecordResult(Instant dueAt, String rowStatus, int rowAttempt, int rowReplays, Emitted emitted) {
  /** The attempt log's outcome for an attempt fenced out of its row. */
  public static final String CANCELLED = "cancelled";

  public static RecordResult recorded(Instant dueAt) {
    return new RecordResult(dueAt, null, 0, 0, Emitted.NONE);
  }

  public static RecordResult cancelled(String rowStatus, int rowAttempt, int rowReplays) {
    return new RecordResult(null, rowStatus, rowAttempt, rowReplays, Emitted.NONE);
  }

  public static RecordResult neither() {
    return new RecordResult(null, null, 0, 0, Emitted.NONE);
  }

  public RecordResult with(Emitted caused) {
    return new RecordResult(dueAt, rowStatus, rowAttempt, rowReplays, caused);
  }

  public boolean recorded() {
    return dueAt != null;
  }

  public boolean cancelled() {
    return dueAt == null && rowStatus != null;
  }

  /** Cancelled because an operator cancelled the delivery while this attempt held it, not because a newer attempt took over. */
  public boolean cancelledByOperator(int attempt) {
    return cancelled() && DeliveryStatus.CANCELLED.column().equals(rowStatus) && rowAttempt == attempt;
  }

  /** Fenced out because the delivery was replayed (retried or resent) after this attempt was claimed. */
  public boolean replayedSince(int replays) {
    return cancelled() && rowReplays > replays;
  }
}
