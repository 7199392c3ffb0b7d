package dev.hookline.queue;

import dev.hookline.domain.DueRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.Set;

/**
 * Putting deliveries on the {@link DueQueue} together with the signal that tells this process's
 * delivery pumps to look now. Intake, replay, the sweeper and the attempt runner schedule through
 * it; the delivery verticles only listen. The signal never crosses the cluster: other workers
 * find the ids on their next pop.
 */
public final class Schedule {
  private static final String WAKE_ADDRESS = "hookline.internal.wake";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** A few ids are one pop's work: waking every pump for them only splits them into smaller claims. */
  private static final int ONE_POP = 64;

  private final Vertx vertx;
  private final DueQueue queue;

  public Schedule(Vertx vertx, DueQueue queue) {
    this.vertx = vertx;
    this.queue = queue;
  }

  /** Queues {@code refs} (moving any already queued) and wakes one pump, or all for a batch's worth. */
  public Future<Long> enqueue(List<DueRef> refs) {
    return queue.enqueueAll(refs).onSuccess(added -> wake(refs.size()));
  }

  /** A retry or a deferral: due later, so nobody needs waking. */
  public Future<Void> enqueueLater(long id, long dueAtMillis) {
    return queue.enqueue(id, dueAtMillis);
  }

  /**
   * Adds back the ids the schedule lost, leaving queued ones at their score and shards in
   * {@code skip} alone (see {@link DueQueue#restoreMissing}), and wakes every pump if any were
   * missing.
   */
  public Future<DueQueue.Restored> restoreMissing(List<DueRef> refs, Set<Integer> skip) {
    return queue.restoreMissing(refs, skip).onSuccess(restored -> {
      if (restored.added() > 0) {
        wake(ONE_POP);
      }
    });
  }

  /** Calls {@code pump} whenever something was scheduled for now in this process. */
  public MessageConsumer<Object> onWake(Runnable pump) {
    return vertx.eventBus().localConsumer(WAKE_ADDRESS, message -> pump.run());
  }

  private void wake(int queued) {
    if (queued >= ONE_POP) {
      vertx.eventBus().publish(WAKE_ADDRESS, null, LOCAL);
    } else {
      vertx.eventBus().send(WAKE_ADDRESS, null, LOCAL);
    }
  }
}
