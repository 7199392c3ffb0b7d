package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.RetryPlan;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
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

  // ---- a delivery's own retry plan ------------------------------------------------------------------------

  private static final RetryPlan SCHEDULE = new RetryPlan(4, null, null,
      List.of(Duration.ofSeconds(60), Duration.ofSeconds(900), Duration.ofSeconds(5)), null);
  private static final RetryPlan BACKOFF = new RetryPlan(6, Duration.ofSeconds(2), Duration.ofSeconds(10), null, null);

  @ParameterizedTest(name = "attempt {0} -> {1} s")
  @CsvSource({"1, 60", "2, 900", "3, 5"})
  void aScheduleGivesTheDelayAfterEachAttempt(int attempt, long expectedSeconds) {
    AttemptOutcome outcome = defaults.decide(claimed(attempt, SCHEDULE, null), answer(503, null), Verdict.TRANSIENT, NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @Test
  void aScheduleEndsInADeadLetterAfterItsLengthPlusOneAttempts() {
    AttemptOutcome outcome = defaults.decide(claimed(4, SCHEDULE, null), answer(503, null), Verdict.TRANSIENT, NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(outcome.error()).contains("attempts exhausted");
  }

  @ParameterizedTest(name = "attempt {0} -> {1} s")
  @CsvSource({"1, 2", "2, 4", "3, 8", "4, 10", "5, 10"})
  void aPlansBackoffUsesItsOwnNumbersNotTheConfigurations(int attempt, long expectedSeconds) {
    assertThat(defaults.decide(claimed(attempt, BACKOFF, null), answer(500, null), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(expectedSeconds));
    assertThat(defaults.internalFailure(claimed(attempt, BACKOFF, null), "credential_lookup_failed", NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @Test
  void aDeliveryWithoutAPlanKeepsTheConfiguredBackoff() {
    assertThat(defaults.decide(claimed(3, null, null), answer(503, null), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(120));
  }

  @ParameterizedTest(name = "Retry-After {0} s -> {1} s")
  @CsvSource({"7, 7", "99, 10"})
  void retryAfterIsCappedByThePlansMaximumDelay(String retryAfter, long expectedSeconds) {
    assertThat(defaults.decide(claimed(1, BACKOFF, null), answer(429, retryAfter), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @ParameterizedTest(name = "Retry-After {0} s -> {1} s")
  @CsvSource({"700, 700", "5000, 900"})
  void retryAfterOnAScheduleIsCappedByItsLongestDelay(String retryAfter, long expectedSeconds) {
    assertThat(defaults.decide(claimed(3, SCHEDULE, null), answer(503, retryAfter), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(expectedSeconds));
  }

  @Test
  void retryAfterOnAScheduleOfShortDelaysIsCappedByTheConfiguredMaximum() {
    RetryPlan quick = new RetryPlan(2, null, null, List.of(Duration.ofSeconds(1)), null);

    assertThat(defaults.decide(claimed(1, quick, null), answer(503, "99999"), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(600));
  }

  // ---- jitter -----------------------------------------------------------------------------------------------

  @Test
  void jitterKeepsEachDelayWithinItsBoundsAndSpreadsThem() {
    RetryPolicy jittered = new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(600), 0.2, new Random(14)::nextDouble);
    Set<Duration> seen = new HashSet<>();
    Duration lowest = Duration.ofDays(1);
    Duration highest = Duration.ZERO;

    for (int i = 0; i < 2_000; i++) {
      Duration delay = jittered.decide(2, 5, answer(503, null), NOW).retryDelay();
      assertThat(delay).isBetween(Duration.ofSeconds(48), Duration.ofSeconds(72));
      seen.add(delay);
      lowest = delay.compareTo(lowest) < 0 ? delay : lowest;
      highest = delay.compareTo(highest) > 0 ? delay : highest;
    }

    assertThat(seen).as("the delays vary").hasSizeGreaterThan(1_000);
    assertThat(lowest).as("the low end is reached").isLessThan(Duration.ofSeconds(50));
    assertThat(highest).as("the high end is reached").isGreaterThan(Duration.ofSeconds(70));
  }

  @Test
  void jitterSpreadsScheduleDelaysAndInternalFailuresToo() {
    RetryPolicy jittered = new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(600), 0.5, () -> 0.0);

    assertThat(jittered.decide(claimed(2, SCHEDULE, null), answer(503, null), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(Duration.ofMillis(450_000));
    assertThat(jittered.internalFailure(claimed(1, BACKOFF, null), "credential_lookup_failed", NOW).retryDelay())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void jitterLeavesTheReceiversRetryAfterAsAsked() {
    RetryPolicy jittered = new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(600), 0.9,
        () -> fail("a Retry-After the receiver asked for is not jittered"));

    assertThat(jittered.decide(1, 5, answer(503, "7"), NOW).retryDelay()).isEqualTo(Duration.ofSeconds(7));
  }

  @ParameterizedTest(name = "attempt {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
  void noJitterGivesTheSeedsExactDelaysAndDrawsNothing(int attempt) {
    RetryPolicy exact = new RetryPolicy(Duration.ofSeconds(30), Duration.ofSeconds(600), 0,
        () -> fail("no jitter: nothing random is drawn"));

    assertThat(exact.decide(attempt, 8, answer(503, null), NOW).retryDelay()).isEqualTo(defaults.delayAfter(attempt));
    int scheduled = Math.min(attempt, SCHEDULE.schedule().size());
    assertThat(exact.decide(claimed(scheduled, SCHEDULE, null), answer(503, null), Verdict.TRANSIENT, NOW).retryDelay())
        .isEqualTo(SCHEDULE.delayAfter(scheduled));
  }

  // ---- the delivery's window ------------------------------------------------------------------------------------

  private static final RetryPlan WINDOWED = new RetryPlan(5, Duration.ofSeconds(30), Duration.ofSeconds(600), null,
      Duration.ofSeconds(100));

  @Test
  void aRetryThatStartsBeforeTheWindowEndsIsScheduled() {
    AttemptOutcome outcome = defaults.decide(claimed(1, WINDOWED, NOW.plusSeconds(45)), answer(503, null),
        Verdict.TRANSIENT, NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(outcome.retryDelay()).isEqualTo(Duration.ofSeconds(30));
  }

  @ParameterizedTest(name = "window ends {0} s from now")
  @ValueSource(ints = {30, 29, 1, 0, -5})
  void aRetryThatWouldStartAtOrAfterTheWindowsEndExpiresTheDelivery(int secondsLeft) {
    AttemptOutcome outcome = defaults.decide(claimed(1, WINDOWED, NOW.plusSeconds(secondsLeft)), answer(503, null),
        Verdict.TRANSIENT, NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.EXPIRED);
    assertThat(outcome.statusCode()).isEqualTo(503);
    assertThat(outcome.error()).isEqualTo("HTTP 503 (window of 100s ends before the next attempt)");
    assertThat(outcome.retryDelay()).isNull();
  }

  @Test
  void theReceiversRetryAfterCountsAgainstTheWindow() {
    AttemptOutcome outcome = defaults.decide(claimed(1, WINDOWED, NOW.plusSeconds(45)), answer(429, "60"),
        Verdict.TRANSIENT, NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.EXPIRED);
    assertThat(outcome.statusCode()).isEqualTo(429);
  }

  @Test
  void anInternalFailureExpiresTheDeliveryLikewise() {
    AttemptOutcome outcome = defaults.internalFailure(claimed(2, WINDOWED, NOW.plusSeconds(59)),
        "credential_lookup_failed TimeoutException", NOW);

    assertThat(outcome.status()).isEqualTo(DeliveryStatus.EXPIRED);
    assertThat(outcome.statusCode()).isNull();
    assertThat(outcome.error()).isEqualTo("credential_lookup_failed TimeoutException (window of 100s ends before the"
        + " next attempt)");
  }

  @Test
  void theWindowChangesNeitherASuccessNorAPermanentFailureNorTheLastAttempt() {
    Instant ended = NOW.minusSeconds(1);

    assertThat(defaults.decide(claimed(1, WINDOWED, ended), answer(200, null), Verdict.SUCCESS, NOW).status())
        .isEqualTo(DeliveryStatus.SUCCEEDED);
    assertThat(defaults.decide(claimed(1, WINDOWED, ended), answer(404, null), Verdict.PERMANENT, NOW).status())
        .isEqualTo(DeliveryStatus.DEAD_LETTER);
    assertThat(defaults.decide(claimed(5, WINDOWED, ended), answer(503, null), Verdict.TRANSIENT, NOW).error())
        .isEqualTo("HTTP 503 (attempts exhausted)");
  }

  /** Attempt {@code attempt} of a delivery with {@code plan} (null: the configured backoff and budget of 5). */
  private static ClaimedDelivery claimed(int attempt, RetryPlan plan, Instant expiresAt) {
    return new ClaimedDelivery(1, UUID.randomUUID(), 7, 9, "https://crm.example.com/hooks", "POST", "{}", List.of(),
        null, attempt, attempt, plan == null ? 5 : plan.maxAttempts(), "https://crm.example.com:443", "node-1",
        DeliveryKind.DELIVERY, plan, expiresAt);
  }
}
