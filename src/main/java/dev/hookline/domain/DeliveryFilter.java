package dev.hookline.domain;

import java.time.Instant;

/** Optional conditions for listing and bulk retry; null means "any". */
public record DeliveryFilter(DeliveryStatus status, Long organizationId, Long workflowRunId, Instant createdAfter,
                             Instant createdBefore, Integer lastStatusCode) {

  public static DeliveryFilter any() {
    return new DeliveryFilter(null, null, null, null, null, null);
  }

  public DeliveryFilter withOrganization(Long organization) {
    return new DeliveryFilter(status, organization, workflowRunId, createdAfter, createdBefore, lastStatusCode);
  }

  public DeliveryFilter withStatus(DeliveryStatus newStatus) {
    return new DeliveryFilter(newStatus, organizationId, workflowRunId, createdAfter, createdBefore, lastStatusCode);
  }
}
