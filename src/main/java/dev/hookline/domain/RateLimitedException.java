package dev.hookline.domain;

/** A request over its rate limit: 429, with how long to wait (Retry-After over HTTP). Nothing was done. */
public final class RateLimitedException extends RuntimeException {
  private final String field;
  private final long retryAfterSeconds;

  public RateLimitedException(String field, String problem, long retryAfterSeconds) {
    super(field + ": " + problem + "; retry after " + retryAfterSeconds + " s", null, false, false);
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public String field() {
    return field;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
