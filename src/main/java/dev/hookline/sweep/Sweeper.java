package dev.hookline.sweep;

import dev.hookline.queue.DueQueue;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.DueRef;
import io.vertx.core.Future;
import java.util.List;

/**
 * One pass over the overdue pending rows, page by page in id order, re-adding each id to the
 * schedule. Heals ids lost to a Redis flush, a crashed worker or a failed ZADD.
 */
public final class Sweeper {
  private final DeliveryRepository repository;
  private final DueQueue queue;
  private final int pageSize;

  public Sweeper(DeliveryRepository repository, DueQueue queue, int pageSize) {
    this.repository = repository;
    this.queue = queue;
    this.pageSize = pageSize;
  }

  public Future<SweepResult> sweepOnce() {
    return repository.deadLetterExhausted()
        .compose(parked -> sweepFrom(0L, 0).map(requeued -> new SweepResult(requeued, parked)));
  }

  /** Keyset pagination: the whole backlog is drained, however large, one bounded page at a time. */
  private Future<Integer> sweepFrom(long afterId, int requeuedSoFar) {
    return repository.overduePage(afterId, pageSize).compose(page -> {
      if (page.isEmpty()) {
        return Future.succeededFuture(requeuedSoFar);
      }
      return queue.enqueueAll(page).compose(queued -> {
        int total = requeuedSoFar + page.size();
        return page.size() < pageSize ? Future.succeededFuture(total) : sweepFrom(lastId(page), total);
      });
    });
  }

  private static long lastId(List<DueRef> page) {
    return page.get(page.size() - 1).id();
  }

  /** {@code requeued}: overdue ids put back on the schedule; {@code deadLettered}: exhausted rows parked. */
  public record SweepResult(int requeued, int deadLettered) {
  }
}
