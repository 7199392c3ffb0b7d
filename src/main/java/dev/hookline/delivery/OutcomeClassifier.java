package dev.hookline.delivery;

import io.vertx.core.http.HttpClosedException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** Decides whether a result is a success, worth retrying, or never going to work. No I/O. */
public final class OutcomeClassifier {
  private static final Set<Integer> TRANSIENT_STATUSES = Set.of(408, 425, 429, 500, 502, 503, 504);

  private OutcomeClassifier() {
  }

  public static Verdict classify(SendResult result) {
    if (result.statusCode() != null) {
      return classifyStatus(result.statusCode());
    }
    return isTransient(result.error()) ? Verdict.TRANSIENT : Verdict.PERMANENT;
  }

  /** 3xx is permanent on purpose: redirects are never followed, so retrying one cannot succeed. */
  public static Verdict classifyStatus(int status) {
    if (status >= 200 && status < 300) {
      return Verdict.SUCCESS;
    }
    return TRANSIENT_STATUSES.contains(status) ? Verdict.TRANSIENT : Verdict.PERMANENT;
  }

  /** Timeouts and network failures (refused, reset, closed, DNS) are transient; anything else is a bug or a bad request. */
  public static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof IOException || t instanceof HttpClosedException) {
        return true;
      }
    }
    return false;
  }

  /** A message safe to store: network and timeout errors only (they name hosts, never request data). */
  public static String safeMessage(Throwable error) {
    return error == null || !isTransient(error) ? null : error.getMessage();
  }

  /** A short, secret-free description for {@code last_error} and the log. */
  public static String describe(SendResult result) {
    if (result.statusCode() != null) {
      return "HTTP " + result.statusCode();
    }
    Throwable error = result.error();
    if (!isTransient(error)) {
      // Unexpected errors (e.g. a header the client refused) may quote request data: class name only.
      return "unexpected_error " + error.getClass().getSimpleName();
    }
    String kind = isTimeout(error) ? "timeout" : "connection_error";
    String message = error.getMessage() == null ? "" : ": " + error.getMessage();
    return kind + " " + error.getClass().getSimpleName() + message;
  }

  private static boolean isTimeout(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }
}
