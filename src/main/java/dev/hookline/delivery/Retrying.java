package dev.hookline.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Repeats a storage call whose loss would cost something real (a delivered webhook sent again, an
 * attempt counted that was never sent) until Postgres answers it, waiting longer after each
 * failure. The call itself decides, by its fence, whether it still applies; an answer of any kind
 * ends the retrying. Used only from one event loop.
 */
final class Retrying {
  /** What to do before each retry: typically a log line (the failure, the delay, the tries so far). */
  interface OnRetry {
    void retrying(Throwable error, long delayMillis, int failures);
  }

  private Retrying() {
  }

  /** {@code maxFailures}: after that many failed tries the last failure is returned. */
  static <T> Future<T> untilAnswered(Vertx vertx, Supplier<Future<T>> call, long firstMillis, long maxMillis,
                                     int maxFailures, OnRetry onRetry) {
    return attempt(vertx, call, new Backoff(firstMillis, maxMillis), 1, maxFailures, onRetry);
  }

  private static <T> Future<T> attempt(Vertx vertx, Supplier<Future<T>> call, Backoff backoff, int tries,
                                       int maxFailures, OnRetry onRetry) {
    return call.get().recover(error -> {
      if (tries >= maxFailures) {
        return Future.failedFuture(error);
      }
      long delay = backoff.failed();
      onRetry.retrying(error, delay, tries);
      Promise<T> retried = Promise.promise();
      vertx.setTimer(delay, id -> attempt(vertx, call, backoff, tries + 1, maxFailures, onRetry).onComplete(retried));
      return retried.future();
    });
  }
}
