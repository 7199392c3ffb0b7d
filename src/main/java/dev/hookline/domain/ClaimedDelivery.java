package dev.hookline.domain;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A row this worker now holds under lease for attempt number {@code attempt} (the number sent in
 * the attempt header, unique per delivery). {@code budgetAttempt} is its place in the current
 * budget of {@code budget} attempts: one more than the outcomes recorded in it so far, so an
 * earlier claim whose outcome was never recorded does not count. {@code origin} is the endpoint's, as
 * {@link Origins#of} gives it. {@code retry} is the delivery's own retry plan (null: the
 * {@code delivery.*} keys), {@code expiresAt} the end of its window (null: none). {@code replays}
 * counts the times an operator put the row back to work: with {@code attempt} it is the outcome
 * fence, so an answer to an attempt sent before a replay can never decide the new budget.
 */
public record ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId,
                              String endpointUrl, String httpMethod, String payload,
                              List<CustomHeader> customHeaders, UUID credentialUuid, int attempt, int budgetAttempt,
                              int budget, String origin, String webhookNodeId, DeliveryKind kind, RetryPlan retry,
                              Instant expiresAt, int replays) {

  /** A caller's delivery that follows the {@code delivery.*} retry keys. */
  public ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId, String endpointUrl,
                         String httpMethod, String payload, List<CustomHeader> customHeaders, UUID credentialUuid,
                         int attempt, int budgetAttempt, int budget, String origin) {
    this(id, deliveryUuid, organizationId, workflowRunId, endpointUrl, httpMethod, payload, customHeaders,
        credentialUuid, attempt, budgetAttempt, budget, origin, null, DeliveryKind.DELIVERY, null, null, 0);
  }

  /** A delivery never replayed. */
  public ClaimedDelivery(long id, UUID deliveryUuid, long organizationId, long workflowRunId, String endpointUrl,
                         String httpMethod, String payload, List<CustomHeader> customHeaders, UUID credentialUuid,
                         int attempt, int budgetAttempt, int budget, String origin, String webhookNodeId,
                         DeliveryKind kind, RetryPlan retry, Instant expiresAt) {
    this(id, deliveryUuid, organizationId, workflowRunId, endpointUrl, httpMethod, payload, customHeaders,
        credentialUuid, attempt, budgetAttempt, budget, origin, webhookNodeId, kind, retry, expiresAt, 0);
  }

  public boolean isEvent() {
    return kind == DeliveryKind.EVENT;
  }

  public boolean isLastAttempt() {
    return budgetAttempt >= budget;
  }
}
