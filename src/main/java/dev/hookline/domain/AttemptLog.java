package dev.hookline.domain;

import java.time.Instant;

/** One row of {@code webhook_delivery_attempts}: what the receiver (or the network) said. */
public record AttemptLog(Instant startedAt, int durationMillis, Integer statusCode, String errorClass,
                         String errorMessage, String responseBody, String contentType, String retryAfter) {
}
