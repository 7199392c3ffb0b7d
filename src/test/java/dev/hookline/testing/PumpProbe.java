package dev.hookline.testing;

import dev.hookline.queue.DueQueue;
import io.vertx.core.Vertx;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proof that the delivery pumps had their chance, for a test about to assert that nothing else
 * happened (no further attempt, no stray send), instead of a fixed sleep: a probe delivery due a
 * little later is popped, claimed, sent and recorded. A pump pops the due ids of every shard in
 * score order, so by then each id that was due no later than the probe (a retry scheduled by
 * mistake, an id put back by mistake) has been popped and claimed too, and its send started no
 * later than the probe's.
 */
public final class PumpProbe {
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** Far from the run ids tests use, so the probe never meets one of theirs. */
  private static final AtomicLong RUNS = new AtomicLong(900_000_000L);

  private PumpProbe() {
  }

  /**
   * Queues a one-attempt probe to a receiver of its own, due {@code after} from now, and waits
   * until its attempt is recorded; returns its id. Choose {@code after} no shorter than the delay
   * of the mistake the test looks for (say, the config's longest backoff).
   */
  public static long awaitAPass(Vertx vertx, TestInfra infra, DueQueue queue, Duration after) {
    Receiver receiver = Receiver.start(vertx);
    try {
      return awaitAPass(infra, queue, receiver.url("/pump-probe"), after);
    } finally {
      receiver.close();
    }
  }

  /** As above, sending the probe to {@code url}; its attempt may end any way, as long as it is recorded. */
  public static long awaitAPass(TestInfra infra, DueQueue queue, String url, Duration after) {
    List<Object> row = infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, status, max_attempts, scheduled_for)"
        + " VALUES (gen_random_uuid(), 7, ?, 'pump-probe', ?, 'POST', '{}', 'pending', 1,"
        + " now() + make_interval(secs => ?)) RETURNING id, scheduled_for",
        RUNS.incrementAndGet(), url, after.toMillis() / 1_000.0).get(0);
    long id = ((Number) row.get(0)).longValue();
    queue.enqueue(id, ((Timestamp) row.get(1)).getTime()).await();
    String attempts = "SELECT count(*) FROM webhook_delivery_attempts WHERE delivery_id = ?";
    Await.until("the pump probe (delivery " + id + ") to be attempted", WAIT,
        () -> ((Number) infra.sql(attempts, id).get(0).get(0)).longValue() > 0,
        () -> "row: " + infra.sql("SELECT status, attempt_count, last_error FROM webhook_deliveries WHERE id = ?", id));
    return id;
  }
}
