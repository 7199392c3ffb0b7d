package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.DeliveryStatus;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

  private static final Instant NOW = Instant.parse("2026-11-29T14:00:00Z");
  private final RetryPolicy defaults = new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(600));

  @ParameterizedTest(name = "attempt {0} -> {1} s")
  @CsvSource({"1, 30", "2, 60", "3, 120", "4, 240", "5, 480", "6, 600", "7, 600"})
  void delayDoublesFromBaseUntilCapped(int attempt, long expectedSeconds) {
    assertThat(defaults.delayAfter(attempt)).isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @ParameterizedTest(name = "attempt {0} -> {1} ms")
  @CsvSource({"1, 50", "2, 100", "3, 200"})
  void fractionalBaseDelayKeepsMillisecondPrecision(int attempt, long expectedMillis) {
    RetryPolicy fast = new RetryPolicy(Duration.ofMillis(50), Duration.ofSeconds(5));

    assertThat(fast.delayAfter(attempt)).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  @ParameterizedTest
  @ValueSource(ints = {31, 62, 63, 64, 100, 1_000, Integer.MAX_VALUE})
  void hugeAttemptNumbersGiveTheCapWithoutOverflow(int attempt) {
    assertThat(defaults.delayAfter(attempt)).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void successfulStatusSucceedsWithThatStatus() {
    AttemptOutcome outcome = defaults.decide(1, 5, SendResult.response(204, "", 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.SUCCEEDED);
    assertThat(outcome.statusCode()).isEqualTo(204);
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void transientStatusBeforeTheLastAttemptIsRetriedAfterTheBackoff() {
    AttemptOutcome outcome = defaults.decide(1, 5, SendResult.response(503, "busy", 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.statusCode()).isEqualTo(503);
    assertThat(outcome.error()).isEqualTo("HTTP 503");
    assertThat(outcome.retryDelay()).isEqualTo(defaults.delayAfter(1)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void retryDelayFollowsTheAttemptNumber() {
    AttemptOutcome outcome = defaults.decide(3, 5, SendResult.response(500, "", 3), NOW);

    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void transientStatusOnTheLastAttemptIsDeadLettered() {
    AttemptOutcome outcome = defaults.decide(5, 5, SendResult.response(503, "busy", 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.statusCode()).isEqualTo(503);
    assertThat(outcome.error()).startsWith("HTTP 503");
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void permanentStatusIsDeadLetteredOnTheFirstAttempt() {
    AttemptOutcome outcome = defaults.decide(1, 5, SendResult.response(401, "no", 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.statusCode()).isEqualTo(401);
    assertThat(outcome.error()).isEqualTo("HTTP 401");
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void connectionErrorIsRetried() {
    AttemptOutcome outcome = defaults.decide(2, 5, SendResult.failure(new ConnectException("Connection refused"), 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.statusCode()).isNull();
    assertThat(outcome.error()).startsWith("connection_error");
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void timeoutIsRetried() {
    AttemptOutcome outcome = defaults.decide(1, 5, SendResult.failure(new TimeoutException("30000 ms"), 30_000), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.error()).startsWith("timeout");
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void connectionErrorOnTheLastAttemptIsDeadLettered() {
    AttemptOutcome outcome = defaults.decide(5, 5, SendResult.failure(new ConnectException("refused"), 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void unexpectedErrorIsDeadLetteredAtOnce() {
    AttemptOutcome outcome = defaults.decide(1, 5, SendResult.failure(new IllegalStateException("bug"), 3), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.statusCode()).isNull();
    assertThat(outcome.error()).startsWith("unexpected_error");
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void internalFailureBeforeTheLastAttemptIsRetried() {
    AttemptOutcome outcome = defaults.internalFailure(2, 5, "credential lookup failed");

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.statusCode()).isNull();
    assertThat(outcome.error()).isEqualTo("credential lookup failed");
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void internalFailureOnTheLastAttemptIsDeadLettered() {
    AttemptOutcome outcome = defaults.internalFailure(5, 5, "credential lookup failed");

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.statusCode()).isNull();
    assertThat(outcome.error()).startsWith("credential lookup failed").contains("exhausted");
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void theBackoffFollowsTheAttemptWithinTheRowsBudgetWhateverItsSize() {
    // A row created under a budget of 8 while the worker's configured maximum is now 2: its third
    // attempt still waits base * 4, not the base delay (the budget is the row's, not inferred).
    assertThat(defaults.decide(3, 8, SendResult.response(503, "", 3), NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(120));
    assertThat(defaults.decide(1, 8, SendResult.response(503, "", 3), NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(30));
  }

  private static SendResult answer(int status, String retryAfter) {
    return SendResult.response(NOW, 3, status, "", null, retryAfter);
  }

  @ParameterizedTest(name = "{0} with Retry-After {1} -> {2} s")
  @CsvSource({
      "503, 5, 5",                                  // shorter than the 30 s backoff: honoured
      "429, 120, 120",
      "503, 0, 0",
      "429, 99999, 600",                            // never beyond maxDelay
      "503, 99999999999999999999, 600",
      "503, 'Sun, 29 Nov 2026 14:01:30 GMT', 90",   // an HTTP-date, counted from now
      "429, 'Sun, 29 Nov 2026 13:00:00 GMT', 0",    // already past
  })
  void retryAfterOn429And503ReplacesTheBackoffUpToTheCap(int status, String retryAfter, long expectedSeconds) {
    AttemptOutcome outcome = defaults.decide(1, 5, answer(status, retryAfter), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @ParameterizedTest(name = "{0} with Retry-After ''{1}'' -> the backoff")
  @CsvSource({
      "503, ''", "503, soon", "503, -5", "503, 1.5", "429, '29 Nov 2026 14:01:30'",
      "500, 5", "502, 5", "504, 5", "408, 5"})
  void anUnusableOrIrrelevantRetryAfterKeepsTheBackoff(int status, String retryAfter) {
    AttemptOutcome outcome = defaults.decide(2, 5, answer(status, retryAfter), NOW);

    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void retryAfterDoesNotExtendTheAttemptBudget() {
    AttemptOutcome outcome = defaults.decide(5, 5, answer(503, "5"), NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
  }
}
