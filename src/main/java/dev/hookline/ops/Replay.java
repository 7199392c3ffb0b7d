package dev.hookline.ops;

import dev.hookline.domain.ChangeResult;
import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DueRef;
import dev.hookline.events.EventPublisher;
import dev.hookline.queue.Schedule;
import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.function.LongFunction;

/**
 * Puts deliveries back on the schedule with a fresh budget: dead letters (retry) and any final
 * delivery (resend), one or all matching a filter; and cancels pending ones.
 */
public final class Replay {
  /** The 409 of a resend; the status the delivery is in is appended. */
  public static final String RESEND_CONFLICT = "only a final delivery (succeeded, dead_letter, cancelled, expired)"
      + " can be resent";
  public static final String RETRY_CONFLICT = "only a dead letter can be retried";

  private static final int BATCH = 500;

  private final OperatorRepository operator;
  private final Schedule schedule;
  private final int freshAttempts;
  private final EventPublisher events;

  /**
   * {@code freshAttempts}: the budget of a replayed delivery without a {@code retry.maxAttempts} of its
   * own; {@code events} tells the world of cancels, null when nothing listens (the offline CLI).
   */
  public Replay(OperatorRepository operator, Schedule schedule, int freshAttempts, EventPublisher events) {
    this.operator = operator;
    this.schedule = schedule;
    this.freshAttempts = freshAttempts;
    this.events = events;
  }

  public Replay(OperatorRepository operator, Schedule schedule, int freshAttempts) {
    this(operator, schedule, freshAttempts, null);
  }

  /** Retries one dead letter: the row as the retry left it, or a failure (not found, or not a dead letter). */
  public Future<JsonObject> retry(UUID deliveryUuid) {
    return replayed(deliveryUuid, operator.retry(deliveryUuid, freshAttempts), RETRY_CONFLICT);
  }

  /**
   * Resends one final delivery: the row as the resend left it (without its payload), or a failure:
   * not found, or a conflict while it is pending. Used alike by the HTTP API, the event bus and the CLI.
   */
  public Future<JsonObject> resend(UUID deliveryUuid) {
    return replayed(deliveryUuid, operator.resend(deliveryUuid, freshAttempts), RESEND_CONFLICT);
  }

  /**
   * The row is read before it is queued: once queued, a worker may claim it at once, and the answer
   * would show an attempt in flight instead of what the replay did.
   */
  private Future<JsonObject> replayed(UUID deliveryUuid, Future<ChangeResult> change, String conflict) {
    return change.compose(result -> result.orFailure(deliveryUuid, conflict))
        .compose(result -> operator.findWithoutPayload(deliveryUuid)
            .compose(row -> schedule(List.of(result.queued())).map(row)));
  }

  public Future<ChangeResult> cancel(UUID deliveryUuid) {
    return operator.cancel(deliveryUuid).compose(cancelled -> events == null
        ? Future.succeededFuture(cancelled.result())
        : events.publish(cancelled.emitted()).map(cancelled.result()));
  }

  /**
   * Replays every dead letter matching the filter, page by page; returns how many. Hookline's own
   * event rows only when the filter names kind {@code event} (see {@link DeliveryFilter#forBulk}).
   */
  public Future<Long> retryAll(DeliveryFilter filter) {
    DeliveryFilter bulk = filter.forBulk();
    return replayFrom(after -> operator.retryBatch(bulk, after, BATCH, freshAttempts), 0L, 0L);
  }

  /**
   * Resends every final delivery matching the filter (any final status when it names none); returns
   * how many. Event rows as for {@link #retryAll}.
   */
  public Future<Long> resendAll(DeliveryFilter filter) {
    DeliveryFilter bulk = filter.forBulk();
    return replayFrom(after -> operator.resendBatch(bulk, after, BATCH, freshAttempts), 0L, 0L);
  }

  private Future<Long> replayFrom(LongFunction<Future<List<DueRef>>> batchAfter, long afterId, long soFar) {
    return batchAfter.apply(afterId).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture(soFar);
      }
      long total = soFar + batch.size();
      return schedule(batch).compose(v -> batch.size() < BATCH ? Future.succeededFuture(total)
          : replayFrom(batchAfter, batch.get(batch.size() - 1).id(), total));
    });
  }

  /** If Redis is down the rows are still pending and due now: the sweeper queues them. */
  private Future<Void> schedule(List<DueRef> refs) {
    return schedule.enqueue(refs)
        .<Void>mapEmpty()
        .recover(error -> Future.succeededFuture());
  }
}
