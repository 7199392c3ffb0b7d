package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17: a claim changes no indexed column (the lease is leased_until, in no index), so
 * Postgres writes it as a HOT update, without an index entry. Read from Postgres's own counters.
 */
@ExtendWith(VertxExtension.class)
class HotClaimTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int DELIVERIES = 60;

  private Fixture fixture;
  private TestInfra infra;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  /** Updates and HOT updates of webhook_deliveries so far, as the statistics system has them. */
  private long[] updates() {
    List<Object> row = infra.sql("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
        + " WHERE relname = 'webhook_deliveries'").get(0);
    return new long[] {((Number) row.get(0)).longValue(), ((Number) row.get(1)).longValue()};
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void everyClaimIsAHotUpdate(Vertx vertx) {
    fixture.start(vertx, new JsonObject().put("timeoutSeconds", 5.0).put("leaseSeconds", 8.0));
    fixture.receiver.behave(r -> Reply.status(200));
    long[] before = updates();

    for (int run = 1; run <= DELIVERIES; run++) {
      assertThat(Messages.send(vertx, Messages.create(7, run, "node-1", fixture.receiver.url("/hook")))
          .getString("status")).isEqualTo("created");
    }
    Await.until("every delivery to succeed", WAIT, () -> ((Number) infra.sql(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'").get(0).get(0)).longValue() == DELIVERIES);
    long claims = ((Number) infra.sql("SELECT sum(attempt_count) FROM webhook_deliveries").get(0).get(0)).longValue();
    long outcomes = DELIVERIES;

    // Backends report their counters within a second or so of their last transaction: wait until
    // every claim and outcome has arrived rather than for a fixed time.
    Await.until("the updates to reach pg_stat_user_tables", WAIT, () -> {
      infra.sql("SELECT pg_stat_force_next_flush()");
      return updates()[0] - before[0] >= claims + outcomes;
    }, () -> "updates, hot updates: " + (updates()[0] - before[0]) + ", " + (updates()[1] - before[1]));

    long[] after = updates();
    assertThat(claims).as("one claim per delivery").isEqualTo(DELIVERIES);
    assertThat(after[0] - before[0]).as("claims and outcomes, nothing else").isEqualTo(claims + outcomes);
    assertThat(after[1] - before[1]).as("HOT updates: every claim (the outcome changes status, which the due"
        + " index's predicate reads, so it cannot be one)").isGreaterThanOrEqualTo(claims);
  }
}
