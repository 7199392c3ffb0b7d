package dev.hookline.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads a {@code Retry-After} header (RFC 9110, section 10.2.3): either delay-seconds (digits
 * only) or an HTTP-date in the preferred IMF-fixdate form. Anything else is ignored, so a
 * malformed header falls back to the normal backoff rather than failing the attempt.
 */
final class RetryAfter {
  // Larger values are capped by the policy anyway; this keeps the parse far from overflow.
  private static final int MAX_DIGITS = 10;

  private RetryAfter() {
  }

  /** How long the receiver asked to wait, counted from {@code now}; a date in the past is zero. */
  static Optional<Duration> parse(String header, Instant now) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.strip();
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return value.length() > MAX_DIGITS
          ? Optional.of(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L))
          : Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
