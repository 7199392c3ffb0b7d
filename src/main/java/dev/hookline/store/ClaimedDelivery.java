package dev.hookline.store;

import java.util.List;
import java.util.UUID;

/**
 * A row this worker now holds under lease for attempt number {@code attempt}; {@code origin} is
 * the endpoint's, as {@link Origins#of} gives it.
 */
public record ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId,
                              String endpointUrl, String httpMethod, String payload,
                              List<CustomHeader> customHeaders, UUID credentialUuid, int attempt, int maxAttempts,
                              String origin) {

  public boolean isLastAttempt() {
    return attempt >= maxAttempts;
  }
}
