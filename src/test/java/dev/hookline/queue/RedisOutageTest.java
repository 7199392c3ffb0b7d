package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.hookline.Hookline;
import dev.hookline.testing.Await;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.PrivateRedis;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis goes away for a few seconds under a running Hookline (a private redis-server, killed and
 * started again on its port). Every part of Hookline that polls Redis keeps failing meanwhile; the
 * log says once that Redis is unreachable and once that it is back, and deliveries resume after it.
 */
@ExtendWith(VertxExtension.class)
class RedisOutageTest {
  private static final String PASSWORD = "redis-pass-7f3a9c";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** How long Redis stays down: long enough for every poller to fail many times over at the test's intervals. */
  private static final long OUTAGE_MILLIS = 4_000;

  private PrivateRedis redis;
  private Fixture fixture;
  private TestInfra infra;

  @BeforeEach
  void setUp(Vertx vertx) {
    redis = PrivateRedis.start(PASSWORD);
    fixture = Fixture.create(vertx);
    infra = fixture.infra;
  }

  @AfterEach
  void tearDown() {
    try {
      fixture.close();
    } finally {
      redis.close();
    }
  }

  private String status(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  private long create(Vertx vertx, long run) {
    return Messages.send(vertx, Messages.create(7, run, "node-1", fixture.receiver.url("/hook"))).getLong("deliveryId");
  }

  private static long count(List<String> messages, String text) {
    return messages.stream().filter(m -> m.contains(text)).count();
  }

  @Test
  @Timeout(180)
  void anOutageIsLoggedOnceWhenItStartsAndOnceWhenItEndsAndDeliveriesResume(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("redis").put("url", redis.url());
    // The circuit refresh polls Redis every second too; on here so its failures are covered.
    config.getJsonObject("delivery").put("circuitFailureThreshold", 5);
    Hookline hookline = fixture.startWithConfig(vertx, config);
    long before = create(vertx, 1);
    Await.until("the first delivery", WAIT, () -> "succeeded".equals(status(before)));

    List<ILoggingEvent> events;
    long popsDuringOutage;
    try (LogCapture log = LogCapture.root()) {
      redis.kill();
      long during = create(vertx, 2); // stored; queueing it fails
      Await.until("the unreachable line", WAIT, () -> count(log.messages(), "is unreachable") > 0);
      long popsAtStart = hookline.queue().popsIssued();
      Await.sleep(OUTAGE_MILLIS); // the outage itself: time passing, not an event to wait for
      popsDuringOutage = hookline.queue().popsIssued() - popsAtStart;
      redis.restart();

      Await.until("the delivery created during the outage", WAIT, () -> "succeeded".equals(status(during)));
      Await.until("the back line", WAIT, () -> count(log.messages(), "is reachable again") > 0);
      long after = create(vertx, 3);
      Await.until("a delivery created after the outage", WAIT, () -> "succeeded".equals(status(after)));
      events = log.events();
    }

    List<String> messages = events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    // Named as the start-up line names it: the password masked.
    String redisName = "Redis at redis://:***@127.0.0.1:" + redis.port + " (redis.url, HOOKLINE_REDIS_URL)";
    assertThat(messages.stream().filter(m -> m.contains("is unreachable")).toList()).singleElement()
        .satisfies(line -> assertThat(line).startsWith(redisName + " is unreachable ("));
    assertThat(messages.stream().filter(m -> m.contains("is reachable again")).toList()).singleElement()
        .satisfies(line -> assertThat(line).startsWith(redisName + " is reachable again after "));
    // Hookline's own lines only: the Redis client logs each pooled connection's reset once, as it drops.
    List<String> otherWarnings = events.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && e.getLoggerName().startsWith("dev.hookline"))
        .map(e -> e.getLoggerName() + " " + e.getFormattedMessage())
        .filter(line -> !line.contains("is unreachable"))
        .toList();
    assertThat(otherWarnings).as("warnings besides the one unreachable line").isEmpty();
    assertThat(String.join("\n", messages)).as("the password").doesNotContain(PASSWORD);
    // Two delivery verticles retrying every 200 ms would pop 40 times in 4 s; backing off, far fewer.
    assertThat(popsDuringOutage).as("pops while Redis was down").isLessThanOrEqualTo(16);
  }
}
