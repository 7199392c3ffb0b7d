package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hookline.testing.LogCapture;
import dev.hookline.testing.PrivatePostgres;
import dev.hookline.testing.PrivateRedis;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What counts as Redis being unreachable, and that each change is logged once, against real Redis clients. */
@ExtendWith(VertxExtension.class)
class OutageTest {
  private Redis up;
  private Redis nowhere;
  private LogCapture log;
  private final Outage outage = new Outage("Redis at test");

  @BeforeEach
  void setUp(Vertx vertx) {
    up = Redis.createClient(vertx, TestInfra.REDIS_URL);
    nowhere = Redis.createClient(vertx, "redis://127.0.0.1:" + PrivatePostgres.freePort());
    log = LogCapture.of(Outage.class);
  }

  @AfterEach
  void tearDown() {
    log.close();
    up.close();
    nowhere.close();
  }

  private Future<Response> ping(Redis redis) {
    return outage.watch(redis.send(Request.cmd(Command.PING)));
  }

  @Test
  @Timeout(60)
  void repeatedConnectionFailuresAreOneOutageReportedOnceAndTheFirstAnswerEndsIt() {
    for (int i = 0; i < 5; i++) {
      Throwable failure = catchThrowable(() -> ping(nowhere).await());
      assertThat(Outage.isReported(failure)).as(String.valueOf(failure)).isTrue();
    }
    ping(up).await();
    ping(up).await();
    Throwable again = catchThrowable(() -> ping(nowhere).await());

    assertThat(Outage.isReported(again)).isTrue();
    assertThat(log.messages()).hasSize(3);
    assertThat(log.messages().get(0)).startsWith("Redis at test is unreachable (").contains("Connection refused");
    assertThat(log.messages().get(1)).startsWith("Redis at test is reachable again after ");
    assertThat(log.messages().get(2)).startsWith("Redis at test is unreachable (");
  }

  @Test
  @Timeout(60)
  void anErrorReplyIsAnAnswerNotAnOutage() {
    Throwable reply = catchThrowable(() -> outage.watch(up.send(Request.cmd(Command.EVAL)
        .arg("return redis.error_reply('WRONGTYPE scripted')").arg(0))).await());

    assertThat(reply).as("the reply").isInstanceOf(Response.class).hasMessageContaining("WRONGTYPE scripted");
    assertThat(Outage.isReported(reply)).isFalse();
    assertThat(log.messages()).isEmpty();
  }

  @Test
  @Timeout(60)
  void commandsLeftUnansweredWhenRedisDiesArePartOfTheOutageEvenWhenTheClientDressesThemAsAnErrorReply(Vertx vertx) {
    try (PrivateRedis dying = PrivateRedis.start("outage-test-pass")) {
      Redis client = Redis.createClient(vertx, dying.url());
      try {
        ping(client).await();
        // Each blocks until a push that never comes, so both are still waiting when the server dies. A batch's
        // failures come back as an error reply the client makes up ("ERR [0] java.net.SocketException: ...").
        Future<Response> waiting = outage.watch(client.send(Request.cmd(Command.BLPOP).arg("{outage-test}:never")
            .arg(0)));
        Future<List<Response>> batch = outage.watch(client.batch(List.of(Request.cmd(Command.BLPOP)
            .arg("{outage-test}:never-either").arg(0))));
        dying.kill();

        Throwable single = catchThrowable(waiting::await);
        Throwable batched = catchThrowable(batch::await);
        assertThat(Outage.isReported(single)).as(String.valueOf(single.getCause())).isTrue();
        assertThat(Outage.isReported(batched)).as(String.valueOf(batched.getCause())).isTrue();
        assertThat(log.messages()).singleElement().satisfies(line -> assertThat(line).contains("is unreachable"));
      } finally {
        client.close();
      }
    }
  }

  @Test
  @Timeout(60)
  void anUnwatchedScheduleHandsFailuresOnUntouched() {
    Throwable failure = catchThrowable(() -> Outage.none().watch(nowhere.send(Request.cmd(Command.PING))).await());

    assertThat(failure).isNotNull();
    assertThat(Outage.isReported(failure)).isFalse();
    assertThat(log.messages()).isEmpty();
  }
}
