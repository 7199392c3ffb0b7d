package dev.hookline.sweep;

import dev.hookline.domain.DueRef;
import dev.hookline.domain.OverduePage;
import dev.hookline.events.EventPublisher;
import dev.hookline.queue.Schedule;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.EventRows;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pass over the overdue pending rows, page by page in due order, adding each id the schedule
 * lacks. Heals ids lost to a Redis flush, a crashed worker or a failed ZADD; ids still queued keep
 * their score, so a delivery deferred on purpose is not pulled forward. In a Redis Cluster a shard
 * whose master does not answer is left out for the rest of the pass (its outage is logged once by
 * the schedule) and the others are restored; the next pass asks it again.
 */
public final class Sweeper {
  private final DeliveryRepository repository;
  private final Schedule schedule;
  private final int pageSize;
  private final EventPublisher events;

  public Sweeper(DeliveryRepository repository, Schedule schedule, int pageSize, EventPublisher events) {
    this.repository = repository;
    this.schedule = schedule;
    this.pageSize = pageSize;
    this.events = events;
  }

  public Future<SweepResult> sweepOnce() {
    return repository.deadLetterStuck().compose(this::told)
        .compose(parked -> repository.expireOverdue().compose(this::told)
            .compose(expired -> sweepFrom(OverduePage.Cursor.START, new SweepResult(0, 0, parked, expired, 0),
                new TreeSet<>())));
  }

  /** Publishes what a final-status change caused; answers how many rows it changed. */
  private Future<Integer> told(EventRows.Finalized finalized) {
    return events.publish(finalized.emitted()).map(finalized.count());
  }

  /**
   * Keyset pagination: the whole backlog is drained, however large, one bounded page at a time.
   * {@code unreachable}: the shards that did not answer earlier in this pass (this pass's own set).
   */
  private Future<SweepResult> sweepFrom(OverduePage.Cursor after, SweepResult soFar, Set<Integer> unreachable) {
    return repository.overduePage(after, pageSize).compose(overdue -> {
      List<DueRef> page = overdue.refs();
      if (page.isEmpty()) {
        return Future.succeededFuture(soFar);
      }
      return schedule.restoreMissing(page, unreachable).compose(restored -> {
        unreachable.addAll(restored.unreachable());
        SweepResult total = new SweepResult(soFar.overdue() + page.size(), soFar.restored() + restored.added(),
            soFar.deadLettered(), soFar.expired(), unreachable.size());
        return page.size() < pageSize ? Future.succeededFuture(total) : sweepFrom(overdue.next(), total, unreachable);
      });
    });
  }

  /**
   * {@code overdue}: pending rows past due; {@code restored}: those of them that were missing from
   * the schedule and were added back; {@code deadLettered}: rows parked after too many attempts
   * whose outcome was never recorded; {@code expired}: rows whose window ended while they waited;
   * {@code unreachableShards}: shards of a Redis Cluster whose master did not answer, their ids left
   * for the next pass.
   */
  public record SweepResult(int overdue, long restored, int deadLettered, int expired, int unreachableShards) {
  }
}
