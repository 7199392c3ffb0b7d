package dev.hookline.intake;

import dev.hookline.domain.CustomHeader;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/** A parsed {@code hookline.delivery.create} message; every field already type-checked. */
public record CreateRequest(long organizationId, long workflowRunId, String webhookNodeId, String webhookName,
                            boolean enabled, String endpointUrl, String httpMethod, UUID credentialUuid,
                            List<CustomHeader> customHeaders, Object payloadTemplate, JsonObject renderContext) {
}
