package dev.hookline.delivery;

import dev.hookline.domain.TimeSource;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The one instant an attempt must finish by; every step gets what is left of it. */
record Deadline(TimeSource time, long atNanos) {
  long remainingMillis() {
    return TimeUnit.NANOSECONDS.toMillis(atNanos - time.nanoTime());
  }

  <T> Future<T> bound(Future<T> step, String what) {
    long left = remainingMillis();
    if (left <= 0) {
      return Future.failedFuture(new TimeoutException("the attempt's deadline passed before " + what));
    }
    return step.timeout(left, TimeUnit.MILLISECONDS);
  }
}
