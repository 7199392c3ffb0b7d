package dev.hookline.domain;

import java.time.Instant;

/**
 * Optional conditions for listing, counting and bulk replay; null means "any". {@code origin} is a
 * receiver origin as {@link Origins#of} gives it.
 */
public record DeliveryFilter(DeliveryStatus status, Long organizationId, Long workflowRunId, Instant createdAfter,
                             Instant createdBefore, Integer lastStatusCode, String origin) {

  public static DeliveryFilter any() {
    return new DeliveryFilter(null, null, null, null, null, null, null);
  }

  public DeliveryFilter withOrganization(Long organization) {
    return new DeliveryFilter(status, organization, workflowRunId, createdAfter, createdBefore, lastStatusCode, origin);
  }

  public DeliveryFilter withStatus(DeliveryStatus newStatus) {
    return new DeliveryFilter(newStatus, organizationId, workflowRunId, createdAfter, createdBefore, lastStatusCode,
        origin);
  }
}
