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

  /**
   * Bulk retry: dead letters only, by {@code organizationId}, {@code workflowRunId}, creation time,
   * {@code lastStatusCode}, receiver {@code origin} and {@code kind} ({@code delivery} unless it
   * names {@code event}: Hookline's own event rows are replayed only when asked for by name).
   */
  public static DeliveryFilter retry(JsonObject body) {
    return common(body, DeliveryStatus.DEAD_LETTER);
  }

  /** Bulk resend: as retry, plus {@code status}, which must be a final one; without it every final status matches. */
  public static DeliveryFilter resend(JsonObject body) {
    return common(body, finalStatus(body.getValue("status")));
  }

  private static DeliveryFilter common(JsonObject body, DeliveryStatus status) {
    return new DeliveryFilter(status,
        field(body, "organizationId", v -> Fields.parsePositiveLong(String.valueOf(v))),
        field(body, "workflowRunId", v -> Fields.parsePositiveLong(String.valueOf(v))),
        field(body, "createdAfter", v -> Instant.parse((String) v)),
        field(body, "createdBefore", v -> Instant.parse((String) v)),
        field(body, "lastStatusCode", v -> statusCode(String.valueOf(v))),
        field(body, "origin", v -> origin((String) v)),
        kind(body.getValue("kind")));
  }

  private static DeliveryKind kind(Object value) {
    if (value == null) {
      return DeliveryKind.DELIVERY;
    }
    DeliveryKind kind = DeliveryKind.parse(value);
    if (kind == null) {
      throw new InvalidRequestException("kind", "must be " + DeliveryKind.NAMES + " (got " + value + ")");
    }
    return kind;
  }

  /**
   * An origin as listed ({@code scheme://host[:port]}), in any case; a URL with a path is refused
   * rather than silently reduced to its origin, which would match more than was asked for.
   */
  public static String origin(String raw) {
    String origin = Origins.of(raw);
    if (Origins.INVALID.equals(origin) || !origin.equalsIgnoreCase(raw)) {
      throw new IllegalArgumentException("not an origin");
    }
    return origin;
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

  public static int statusCode(String raw) {
    int value = Integer.parseInt(raw);
    if (value < 100 || value > 599) {
      throw new IllegalArgumentException("not an HTTP status");
    }
    return value;
  }
}
