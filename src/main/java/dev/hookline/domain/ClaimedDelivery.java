package dev.hookline.domain;

import java.util.List;
import java.util.UUID;

/**
 * A row this worker now holds under lease for attempt number {@code attempt} (the number sent in
 * the attempt header, unique per delivery). {@code budgetAttempt} is its place in the current
 * budget of {@code budget} attempts: one more than the outcomes recorded in it so far, so an
 * earlier claim whose outcome was never recorded does not count. {@code origin} is the endpoint's, as
 * {@link Origins#of} gives it.
 */
public record ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId,
                              String endpointUrl, String httpMethod, String payload,
                              List<CustomHeader> customHeaders, UUID credentialUuid, int attempt, int budgetAttempt,
                              int budget, String origin) {

  public boolean isLastAttempt() {
    return budgetAttempt >= budget;
  }
}
