package dev.hookline.ops;

import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;

/**
 * Deletes final deliveries (and their attempt logs) created and last changed more than
 * {@code retention.days} ago, one bounded batch per statement so no single delete holds locks or
 * bloats WAL for long. Pending rows are never touched, also one resent while a batch runs.
 */
public final class Retention {
  private final OperatorRepository operator;
  private final int days;
  private final int batchSize;

  public Retention(OperatorRepository operator, int days, int batchSize) {
    this.operator = operator;
    this.days = days;
    this.batchSize = batchSize;
  }

  /** Deletes every eligible row, batch after batch; returns how many. */
  public Future<Long> purge() {
    // Bounded by the newest id old enough now: no batch walks the retained rows looking for more.
    return operator.retentionBound(days).compose(bound -> bound == 0 ? Future.succeededFuture(0L) : purgeFrom(bound, 0L));
  }

  private Future<Long> purgeFrom(long bound, long deletedSoFar) {
    return operator.deleteExpired(days, batchSize, bound).compose(deleted -> {
      long total = deletedSoFar + deleted;
      return deleted < batchSize ? Future.succeededFuture(total) : purgeFrom(bound, total);
    });
  }
}
