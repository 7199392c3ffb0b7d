package dev.hookline.store;

import java.util.List;
import java.util.UUID;

/** A row this worker now holds under lease for attempt number {@code attempt}. */
public record ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId,
                              String endpointUrl, String httpMethod, String payload,
                              List<CustomHeader> customHeaders, UUID credentialUuid, int attempt, int maxAttempts) {

  public boolean isLastAttempt() {
    return attempt >= maxAttempts;
  }
}
