package dev.hookline.queue;

import dev.hookline.config.HooklineConfig;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis can be reached, said once per change. Redis is polled from many places (every
 * delivery verticle's pops, the circuit refresh, the sweeper, the gauges), and each used to log
 * every failed call, several warnings a second for as long as an outage lasted. Calls watched here
 * log one line when Redis stops answering and one when it answers again; their failures come back
 * as {@link Unreachable}, which tells the caller the outage has been reported and it need not log.
 *
 * <p>Only failures to reach Redis count: an error reply (WRONGTYPE, a script error) means Redis
 * answered, so it passes through unchanged and counts as reachable. Shared by every event loop.
 */
public final class Outage {
  private static final Logger LOG = LoggerFactory.getLogger(Outage.class);
  private static final long UP = Long.MIN_VALUE;
  private static final Pattern CLIENT_MADE =
      Pattern.compile("CONNECTION_CLOSED|\\b[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*\\.[A-Z][A-Za-z0-9_$]*(Exception|Error)\\b");

  private final String what;
  private final AtomicLong downSinceNanos = new AtomicLong(UP);

  /** {@code what} names Redis for an operator: its URL without password, and the setting that holds it. */
  public Outage(String what) {
    this.what = what;
  }

  /** Watches nothing: calls pass through untouched and nothing is logged (one-shot tools report their own errors). */
  public static Outage none() {
    return new Outage(null);
  }

  /**
   * An outage of its own for one part of this Redis (a cluster's shard, on whichever master owns it),
   * named after this one; watching nothing when this watches nothing.
   */
  public Outage part(String name) {
    return what == null ? this : new Outage(what + ", " + name);
  }

  /** {@code call}'s result, with a failure to reach Redis reported here and handed on as {@link Unreachable}. */
  public <T> Future<T> watch(Future<T> call) {
    if (what == null) {
      return call;
    }
    return call.transform(done -> {
      if (done.succeeded() || isAnswer(done.cause())) {
        reachable();
        return done.succeeded() ? Future.succeededFuture(done.result()) : Future.failedFuture(done.cause());
      }
      unreachable(done.cause());
      return Future.failedFuture(done.cause() instanceof Unreachable ? done.cause() : new Unreachable(done.cause()));
    });
  }

  /**
   * An error reply: Redis answered. Except the ones the client makes up itself for requests a dropped
   * connection left unanswered: CONNECTION_CLOSED, and a batch's "ERR [0] java.net.SocketException:
   * Connection reset" (one line per command, naming the Java exception). Redis's own replies never
   * name a Java class.
   */
  static boolean isAnswer(Throwable error) {
    return error instanceof Response && !CLIENT_MADE.matcher(String.valueOf(error.getMessage())).find();
  }

  /** True for a failure already reported as part of an outage: the caller retries without logging it. */
  public static boolean isReported(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof Unreachable) {
        return true;
      }
    }
    return false;
  }

  private void unreachable(Throwable cause) {
    if (downSinceNanos.compareAndSet(UP, System.nanoTime())) {
      LOG.warn("{} is unreachable ({}). Deliveries wait in Postgres and go out once it is back; creates are stored"
          + " and queued by the sweeper then. Polling it with backoff; this is said once, and again when it is"
          + " back", what, describe(cause));
    }
  }

  private void reachable() {
    // Every successful Redis call lands here, from every event loop: read before writing, so the
    // common case (no outage) shares the field instead of bouncing its cache line between cores.
    if (downSinceNanos.get() == UP) {
      return;
    }
    long since = downSinceNanos.getAndSet(UP);
    if (since != UP) {
      LOG.info("{} is reachable again after {} s", what,
          String.format("%.1f", (System.nanoTime() - since) / (double) TimeUnit.SECONDS.toNanos(1)));
    }
  }

  /**
   * The cause's class and message. A connection error's message names host and port; a cluster
   * client's may name a node's URL, password included, which is masked.
   */
  private static String describe(Throwable cause) {
    String message = HooklineConfig.maskPasswords(cause.getMessage());
    return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
  }

  /** A call that failed because Redis could not be reached; the outage it belongs to is already logged. */
  public static final class Unreachable extends RuntimeException {
    Unreachable(Throwable cause) {
      super("Redis unreachable: " + describe(cause), cause, false, false);
    }
  }
}
