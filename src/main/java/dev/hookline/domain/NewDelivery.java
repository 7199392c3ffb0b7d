package dev.hookline.domain;

import java.util.List;
import java.util.UUID;

/** A validated, rendered delivery ready to be written; the payload is the exact body every attempt sends. */
public record NewDelivery(long organizationId, long workflowRunId, String webhookNodeId, String webhookName,
                          String endpointUrl, String httpMethod, String payload, List<CustomHeader> customHeaders,
                          UUID credentialUuid, int maxAttempts) {
}
