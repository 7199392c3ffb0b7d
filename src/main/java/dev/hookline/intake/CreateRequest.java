package dev.hookline.intake;

import dev.hookline.domain.CustomHeader;
import dev.hookline.domain.RetryPlan;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/**
 * A parsed {@code hookline.delivery.create} message; every field already type-checked. {@code retry}
 * is the create's own retry plan, complete, or null when it follows the {@code delivery.*} keys.
 */
public record CreateRequest(long organizationId, long workflowRunId, String webhookNodeId, String webhookName,
                            boolean enabled, String endpointUrl, String httpMethod, UUID credentialUuid,
                            List<CustomHeader> customHeaders, Object payloadTemplate, JsonObject renderContext,
                            RetryPlan retry) {
}
