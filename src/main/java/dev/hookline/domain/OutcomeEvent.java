package dev.hookline.domain;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Something that happened to a delivery that its caller and operators want to hear about: a final
 * outcome, a failed attempt, or its endpoint being disabled. The same JSON goes out on the event
 * bus and, as the payload of an event delivery, to {@code events.webhookUrl}. {@code replays} is the
 * delivery's replay count when it happened: not sent, but part of the event's identity.
 */
public record OutcomeEvent(String type, UUID deliveryUuid, long deliveryId, long organizationId, long workflowRunId,
                           String webhookNodeId, Integer attempt, Integer statusCode, String error,
                           Instant occurredAt, int replays) {
  public static final String SUCCEEDED = "delivery.succeeded";
  public static final String DEAD_LETTERED = "delivery.dead_lettered";
  public static final String CANCELLED = "delivery.cancelled";
  public static final String EXPIRED = "delivery.expired";
  public static final String ATTEMPT_FAILED = "delivery.attempt_failed";
  public static final String ENDPOINT_DISABLED = "endpoint.disabled";

  /** Every type, in the order the docs list them. */
  public static final List<String> TYPES = List.of(SUCCEEDED, DEAD_LETTERED, CANCELLED, EXPIRED, ATTEMPT_FAILED,
      ENDPOINT_DISABLED);

  /** What {@code events.types} holds by default: everything but the per-attempt noise. */
  public static final List<String> DEFAULT_TYPES = List.of(SUCCEEDED, DEAD_LETTERED, CANCELLED, EXPIRED,
      ENDPOINT_DISABLED);

  /** Webhook node ids starting with this are Hookline's own event rows; creates may not use it. */
  public static final String NODE_PREFIX = "hookline:event:";

  /** The event for a delivery that reached {@code status} (a final one), or null for pending. */
  public static String typeOf(DeliveryStatus status) {
    return switch (status) {
      case PENDING -> null;
      case SUCCEEDED -> SUCCEEDED;
      case DEAD_LETTER -> DEAD_LETTERED;
      case CANCELLED -> CANCELLED;
      case EXPIRED -> EXPIRED;
    };
  }

  /**
   * The event row's webhook node id. With the run id it is unique per (type, delivery, attempt,
   * replay), so one outcome can never be written as two event rows, while every later outcome gets a
   * row of its own: a later attempt's, and a replayed row's even at the same attempt (cancelled,
   * resent, cancelled again before any send). Rows never replayed keep the form written before
   * replays counted, so an event is never written twice across that upgrade.
   */
  public String eventNodeId() {
    return NODE_PREFIX + type + ":" + deliveryId + ":" + (attempt == null ? 0 : attempt)
        + (replays == 0 ? "" : ":r" + replays);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("type", type)
        .put("deliveryUuid", deliveryUuid.toString())
        .put("deliveryId", deliveryId)
        .put("organizationId", organizationId)
        .put("workflowRunId", workflowRunId)
        .put("webhookNodeId", webhookNodeId)
        .put("attempt", attempt)
        .put("statusCode", statusCode)
        .put("error", error)
        .put("occurredAt", occurredAt.toString());
  }
}
