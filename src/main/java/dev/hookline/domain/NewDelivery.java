package dev.hookline.domain;

import java.util.List;
import java.util.UUID;

/** A validated, rendered delivery ready to be written; the payload is the exact body every attempt sends;
 * {@code retry} is the create's own retry object, or null. */
public record NewDelivery(long organizationId, long workflowRunId, String webhookNodeId, String webhookName,
                          String endpointUrl, String httpMethod, String payload, List<CustomHeader> customHeaders,
                          UUID credentialUuid, int maxAttempts, RetryPlan retry) {

  /** A delivery that follows the {@code delivery.*} retry keys. */
  public NewDelivery(long organizationId, long workflowRunId, String webhookNodeId, String webhookName,
                     String endpointUrl, String httpMethod, String payload, List<CustomHeader> customHeaders,
                     UUID credentialUuid, int maxAttempts) {
    this(organizationId, workflowRunId, webhookNodeId, webhookName, endpointUrl, httpMethod, payload, customHeaders,
        credentialUuid, maxAttempts, null);
  }
}
