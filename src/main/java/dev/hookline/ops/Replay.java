package dev.hookline.ops;

import dev.hookline.domain.ChangeResult;
import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DueRef;
import dev.hookline.events.EventPublisher;
import dev.hookline.queue.Schedule;
import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;

/** Puts dead letters back on the schedule (one, or all matching a filter) and cancels pending ones. */
public final class Replay {
  private static final int BATCH = 500;

  private final OperatorRepository operator;
  private final Schedule schedule;
  private final int freshAttempts;
  private final EventPublisher events;

  /** {@code events} tells the world of cancels; null when nothing listens (the offline CLI). */
  public Replay(OperatorRepository operator, Schedule schedule, int freshAttempts, EventPublisher events) {
    this.operator = operator;
    this.schedule = schedule;
    this.freshAttempts = freshAttempts;
    this.events = events;
  }

  public Replay(OperatorRepository operator, Schedule schedule, int freshAttempts) {
    this(operator, schedule, freshAttempts, null);
  }

  public Future<ChangeResult> retry(UUID deliveryUuid) {
    return operator.retry(deliveryUuid, freshAttempts).compose(result -> result.queued() == null
        ? Future.succeededFuture(result)
        : schedule(List.of(result.queued())).map(result));
  }

  public Future<ChangeResult> cancel(UUID deliveryUuid) {
    return operator.cancel(deliveryUuid).compose(cancelled -> events == null
        ? Future.succeededFuture(cancelled.result())
        : events.publish(cancelled.emitted()).map(cancelled.result()));
  }

  /** Replays every dead letter matching the filter, page by page; returns how many. */
  public Future<Long> retryAll(DeliveryFilter filter) {
    return retryFrom(filter, 0L, 0L);
  }

  private Future<Long> retryFrom(DeliveryFilter filter, long afterId, long soFar) {
    return operator.retryBatch(filter, afterId, BATCH, freshAttempts).compose(batch -> {
      if (batch.isEmpty()) {
        return Future.succeededFuture(soFar);
      }
      long total = soFar + batch.size();
      return schedule(batch).compose(v -> batch.size() < BATCH ? Future.succeededFuture(total)
          : retryFrom(filter, batch.get(batch.size() - 1).id(), total));
    });
  }

  /** If Redis is down the rows are still pending and due now: the sweeper queues them. */
  private Future<Void> schedule(List<DueRef> refs) {
    return schedule.enqueue(refs)
        .<Void>mapEmpty()
        .recover(error -> Future.succeededFuture());
  }
}
