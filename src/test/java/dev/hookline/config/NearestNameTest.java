package dev.hookline.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NearestNameTest {
  private static final List<String> KEYS = List.of("delivery.maxAttempts", "delivery.maxInFlight",
      "delivery.maxDelaySeconds", "http.port", "http.host", "redis.url", "postgres.url");

  @ParameterizedTest
  @CsvSource({
      "delivery.maxAtempts,   delivery.maxAttempts",
      "delivery.maxattempts,  delivery.maxAttempts",
      "DELIVERY.MAXATTEMPTS,  delivery.maxAttempts",
      "delivery.maxInFligth,  delivery.maxInFlight",
      "delivery.maxAttempt,   delivery.maxAttempts",
      "http.prot,             http.port",
      "redis.urls,            redis.url"})
  void aSlipFindsTheKeyMeant(String wrong, String meant) {
    assertThat(NearestName.among(wrong, KEYS)).contains(meant);
  }

  @ParameterizedTest
  @CsvSource({"delivery.colour", "http.foo", "cluster.enabled", "x"})
  void somethingElseEntirelyHasNoSuggestion(String wrong) {
    assertThat(NearestName.among(wrong, KEYS)).isEmpty();
  }

  @Test
  void theClosestOfSeveralCandidatesWins() {
    assertThat(NearestName.among("delivery.maxInFlihgt", List.of("delivery.maxInFlightX", "delivery.maxInFlight")))
        .contains("delivery.maxInFlight");
  }

  @Test
  void shortNamesAllowOneEditOnly() {
    assertThat(NearestName.among("htp", List.of("http"))).contains("http");
    assertThat(NearestName.among("hp", List.of("http"))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "abc,   abc,  0",
      "abc,   ABC,  0",
      "abc,   acb,  1",
      "abc,   ab,   1",
      "abc,   abcd, 1",
      "abc,   xyz,  3",
      "'',    abc,  3",
      "kitten, sitting, 3"})
  void distanceCountsEditsIgnoringCase(String a, String b, int expected) {
    assertThat(NearestName.distance(a, b)).isEqualTo(expected);
    assertThat(NearestName.distance(b, a)).isEqualTo(expected);
  }
}
