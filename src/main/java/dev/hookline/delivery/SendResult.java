package dev.hookline.delivery;

import dev.hookline.security.Redactor;
import io.vertx.core.MultiMap;
import java.time.Instant;

/**
 * What one HTTP attempt produced: a status (with a capped excerpt of the body and the headers
 * worth keeping) or the error that prevented one. Exactly one of {@code statusCode} and
 * {@code error} is set. {@code headers} are the answer's headers (empty without an answer): only a
 * test send shows them.
 */
public record SendResult(Instant startedAt, long latencyMillis, Integer statusCode, String bodyExcerpt,
                         String contentType, String retryAfter, Throwable error, MultiMap headers) {

  public static SendResult response(Instant startedAt, long latencyMillis, int statusCode, String bodyExcerpt,
                                    String contentType, String retryAfter, MultiMap headers) {
    return new SendResult(startedAt, latencyMillis, statusCode, bodyExcerpt, contentType, retryAfter, null, headers);
  }

  public static SendResult response(Instant startedAt, long latencyMillis, int statusCode, String bodyExcerpt,
                                    String contentType, String retryAfter) {
    return response(startedAt, latencyMillis, statusCode, bodyExcerpt, contentType, retryAfter,
        MultiMap.caseInsensitiveMultiMap());
  }

  public static SendResult failure(Instant startedAt, long latencyMillis, Throwable error) {
    return new SendResult(startedAt, latencyMillis, null, null, null, null, error, MultiMap.caseInsensitiveMultiMap());
  }

  /** What the receiver sent back, with the attempt's secrets cut out (see {@link Redactor}). */
  public SendResult scrubbed(Redactor secrets) {
    MultiMap scrubbedHeaders = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(header -> scrubbedHeaders.add(header.getKey(), secrets.scrub(header.getValue())));
    return new SendResult(startedAt, latencyMillis, statusCode, secrets.scrub(bodyExcerpt), secrets.scrub(contentType),
        secrets.scrub(retryAfter), error, scrubbedHeaders);
  }

  /** Test and rule shorthand: a status answered at once. */
  public static SendResult response(int statusCode, String bodyExcerpt, long latencyMillis) {
    return response(Instant.now(), latencyMillis, statusCode, bodyExcerpt, null, null);
  }

  /** Test and rule shorthand: an error at once. */
  public static SendResult failure(Throwable error, long latencyMillis) {
    return failure(Instant.now(), latencyMillis, error);
  }
}
