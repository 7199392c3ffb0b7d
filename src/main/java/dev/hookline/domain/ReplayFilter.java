package dev.hookline.domain;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * The filter bodies of bulk retry and bulk resend, the same over HTTP and on the event bus. Every
 * field is optional; a bad one is refused naming it.
 */
public final class ReplayFilter {
  private ReplayFilter() {
  }

  /** Bulk retry: dead letters only, by {@code organizationId}, creation time and {@code lastStatusCode}. */
  public static DeliveryFilter retry(JsonObject body) {
    return common(body, DeliveryStatus.DEAD_LETTER, null);
  }

  /**
   * Bulk resend: as retry, plus {@code workflowRunId} and {@code status}, which must be a final one;
   * without it every final status matches.
   */
  public static DeliveryFilter resend(JsonObject body) {
    return common(body, finalStatus(body.getValue("status")),
        field(body, "workflowRunId", v -> Fields.parsePositiveLong(String.valueOf(v))));
  }

  private static DeliveryFilter common(JsonObject body, DeliveryStatus status, Long workflowRunId) {
    return new DeliveryFilter(status,
        field(body, "organizationId", v -> Fields.parsePositiveLong(String.valueOf(v))),
        workflowRunId,
        field(body, "createdAfter", v -> Instant.parse((String) v)),
        field(body, "createdBefore", v -> Instant.parse((String) v)),
        field(body, "lastStatusCode", v -> statusCode(String.valueOf(v))));
  }

  private static DeliveryStatus finalStatus(Object value) {
    if (value == null) {
      return null;
    }
    DeliveryStatus status = value instanceof String text ? DeliveryStatus.fromColumn(text) : null;
    if (status == null || !status.isFinal()) {
      throw new InvalidRequestException("status", "must be one of succeeded, dead_letter, cancelled, expired (got "
          + value + ")");
    }
    return status;
  }

  private static <T> T field(JsonObject body, String name, Function<Object, T> parse) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException | DateTimeParseException | ClassCastException e) {
      throw new InvalidRequestException(name, "invalid value " + value);
    }
  }

  private static int statusCode(String raw) {
    int value = Integer.parseInt(raw);
    if (value < 100 || value > 599) {
      throw new IllegalArgumentException("not an HTTP status");
    }
    return value;
  }
}
