package dev.hookline.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hookline.domain.RateLimitedException;
import dev.hookline.testing.ManualTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-organization window of test sends, on a clock the test moves. */
@Timeout(10)
class TestSendLimitTest {
  private final ManualTime time = new ManualTime();
  private final TestSendLimit limit = new TestSendLimit(2, time);

  @Test
  void pastTheLimitASendIsRefusedNamingTheOrganizationAndHowLongToWait() {
    limit.acquire(7);
    time.advance(Duration.ofSeconds(20));
    limit.acquire(7);

    RateLimitedException refused = catchThrowableOfType(RateLimitedException.class, () -> limit.acquire(7));

    assertThat(refused.field()).isEqualTo("organizationId");
    assertThat(refused.getMessage()).startsWith("organizationId: organization 7 has used its 2 test sends");
    assertThat(refused.retryAfterSeconds()).as("the window opened 20 s ago").isEqualTo(40);
  }

  @Test
  void eachOrganizationHasItsOwnWindowAndAWindowEndsAfterAMinute() {
    limit.acquire(7);
    limit.acquire(7);
    limit.acquire(8);
    limit.acquire(8);
    time.advance(Duration.ofMillis(59_500));
    assertThat(catchThrowableOfType(RateLimitedException.class, () -> limit.acquire(7)).retryAfterSeconds())
        .as("rounded up").isEqualTo(1);

    time.advance(Duration.ofMillis(500));
    limit.acquire(7);
    limit.acquire(7);
    limit.acquire(8);
  }
}
