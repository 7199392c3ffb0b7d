package dev.hookline.domain;

import java.time.Instant;

/**
 * Optional conditions for listing, counting and bulk replay; null means "any". {@code origin} is a
 * receiver origin as {@link Origins#of} gives it; {@code kind} a webhook a caller asked for or one
 * of Hookline's own outcome events (bulk replay reads null as {@link DeliveryKind#DELIVERY}, see
 * {@link #forBulk}).
 */
public record DeliveryFilter(DeliveryStatus status, Long organizationId, Long workflowRunId, Instant createdAfter,
                             Instant createdBefore, Integer lastStatusCode, String origin, DeliveryKind kind) {

  public static DeliveryFilter any() {
    return new DeliveryFilter(null, null, null, null, null, null, null, null);
  }

  public DeliveryFilter withOrganization(Long organization) {
    return new DeliveryFilter(status, organization, workflowRunId, createdAfter, createdBefore, lastStatusCode, origin,
        kind);
  }

  public DeliveryFilter withStatus(DeliveryStatus newStatus) {
    return new DeliveryFilter(newStatus, organizationId, workflowRunId, createdAfter, createdBefore, lastStatusCode,
        origin, kind);
  }

  /**
   * The filter a bulk retry or resend acts on: an operator who names no kind means the webhooks
   * callers asked for, never Hookline's own event rows, which would send every stored event to
   * {@code events.webhookUrl} again.
   */
  public DeliveryFilter forBulk() {
    return kind != null ? this : new DeliveryFilter(status, organizationId, workflowRunId, createdAfter, createdBefore,
        lastStatusCode, origin, DeliveryKind.DELIVERY);
  }
}
