package dev.hookline.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The classification alone; CliTest meets the real errors of an unreachable Postgres and Redis. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ServiceUnreachableTest {
  private static final HooklineConfig.Postgres POSTGRES =
      new HooklineConfig.Postgres("postgresql://app:pg-s3cret@db.internal:6543/hooks", 4);
  private static final HooklineConfig.Redis REDIS = new HooklineConfig.Redis("rediss://:r-s3cret@cache.internal", "p", 1, 1);

  @Test
  void aConnectTimeoutAnywhereInTheChainIsNamedAsOneWithTheSetting() {
    Throwable wrapped = new IllegalStateException("cannot connect", new RuntimeException(
        new SocketTimeoutException("connect timed out")));

    assertThat(ServiceUnreachable.postgres(POSTGRES, wrapped)).isInstanceOf(ServiceUnreachable.class)
        .hasMessage("Postgres at postgresql://app:***@db.internal:6543/hooks cannot be reached: connecting to"
            + " db.internal:6543 timed out; check postgres.url (HOOKLINE_POSTGRES_URL)")
        .hasCause(wrapped);
    assertThat(ServiceUnreachable.redis(REDIS, new ConnectTimeoutException("connection timed out: cache.internal")))
        .hasMessage("Redis at rediss://:***@cache.internal cannot be reached: connecting to cache.internal:6379 timed out;"
            + " check redis.url (HOOKLINE_REDIS_URL)");
  }

  @Test
  void resolutionAndRefusalAreToldApart() {
    assertThat(ServiceUnreachable.redis(REDIS, new UnknownHostException("cache.internal")).getMessage())
        .contains("host cache.internal could not be resolved");
    assertThat(ServiceUnreachable.redis(REDIS, new ConnectException("Connection refused")).getMessage())
        .contains("connection to cache.internal:6379 was refused (is Redis running there?)");
  }

  @Test
  void anyOtherFailureIsPassedThroughUntouched() {
    IllegalStateException other = new IllegalStateException("relation \"webhook_deliveries\" does not exist");

    assertThat(ServiceUnreachable.postgres(POSTGRES, (Throwable) other)).isSameAs(other);
    assertThat(ServiceUnreachable.postgres(POSTGRES, other)).isSameAs(other);
  }
}
