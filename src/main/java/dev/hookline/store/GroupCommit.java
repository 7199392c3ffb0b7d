package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Groups single writes into multi-row statements without a timer. While fewer than
 * {@code maxConcurrent} flushes are running, a submitted item is flushed at once, so a quiet
 * system pays no extra latency; once they are all busy, items wait and leave together in the next
 * flush (up to {@code maxBatch}). The busier the system, the bigger the batches.
 *
 * <p>Not thread-safe: each instance belongs to one event loop (one verticle instance), which is
 * also where every flush result arrives.
 */
public final class GroupCommit<I, O> {
  private final Function<List<I>, Future<List<O>>> flush;
  private final int maxBatch;
  private final int maxConcurrent;
  private final ArrayDeque<Waiting<I, O>> waiting = new ArrayDeque<>();
  private int flushing;

  /** {@code flush} must answer with one result per item, in the items' order. */
  public GroupCommit(Function<List<I>, Future<List<O>>> flush, int maxBatch, int maxConcurrent) {
    if (maxBatch < 1 || maxConcurrent < 1) {
      throw new IllegalArgumentException("maxBatch and maxConcurrent must be at least 1");
    }
    this.flush = flush;
    this.maxBatch = maxBatch;
    this.maxConcurrent = maxConcurrent;
  }

  public Future<O> submit(I item) {
    Promise<O> promise = Promise.promise();
    waiting.add(new Waiting<>(item, promise));
    drain();
    return promise.future();
  }

  /** Items waiting for a flush slot (tests and metrics). */
  public int waiting() {
    return waiting.size();
  }

  private void drain() {
    while (flushing < maxConcurrent && !waiting.isEmpty()) {
      int size = Math.min(maxBatch, waiting.size());
      List<Waiting<I, O>> batch = new ArrayList<>(size);
      List<I> items = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        Waiting<I, O> next = waiting.poll();
        batch.add(next);
        items.add(next.item());
      }
      flushing++;
      Future<List<O>> results;
      try {
        results = flush.apply(items);
      } catch (RuntimeException e) {
        results = Future.failedFuture(e);
      }
      results.onComplete(ar -> {
        flushing--;
        complete(batch, ar.succeeded() ? ar.result() : null, ar.cause());
        drain();
      });
    }
  }

  private static <I, O> void complete(List<Waiting<I, O>> batch, List<O> results, Throwable error) {
    if (error == null && results.size() != batch.size()) {
      error = new IllegalStateException("flush answered " + results.size() + " results for " + batch.size() + " items");
    }
    for (int i = 0; i < batch.size(); i++) {
      if (error != null) {
        batch.get(i).promise().fail(error);
      } else {
        batch.get(i).promise().complete(results.get(i));
      }
    }
  }

  private record Waiting<I, O>(I item, Promise<O> promise) {
  }
}
