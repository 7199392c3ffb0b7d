package dev.hookline.testing;

import dev.hookline.intake.IntegrationVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds create messages the way the sibling workflow service sends them, and sends them. */
public final class Messages {
  private Messages() {
  }

  public static JsonObject create(long organizationId, long runId, String nodeId, String url) {
    return new JsonObject()
        .put("organizationId", organizationId)
        .put("workflowRunId", runId)
        .put("webhookNodeId", nodeId)
        .put("webhook", new JsonObject()
            .put("name", "Final Webhook")
            .put("enabled", true)
            .put("endpointUrl", url)
            .put("httpMethod", "POST")
            .putNull("credentialUuid")
            .put("customHeaders", new JsonArray().add(new JsonObject().put("key", "X-Source").put("value", "workflow")))
            .put("payloadTemplate", new JsonObject().put("event", "call_done").put("run", "{{workflow_run_id}}")))
        .put("renderContext", new JsonObject()
            .put("workflow_run_id", runId)
            .put("gathered_context", new JsonObject().put("call_disposition", "user_hangup")));
  }

  /** Sends on the event bus and waits (from the test thread) for the success reply. */
  public static JsonObject send(Vertx vertx, JsonObject message) {
    return (JsonObject) vertx.eventBus().request(IntegrationVerticle.CREATE_ADDRESS, message).await().body();
  }

  /** Sends and expects a failure reply; returns it. */
  public static ReplyException sendExpectingFailure(Vertx vertx, Object message) {
    return requestExpectingFailure(vertx, IntegrationVerticle.CREATE_ADDRESS, message);
  }

  /** Sends {@code body} to {@code address} and expects a failure reply; returns it. */
  public static ReplyException requestExpectingFailure(Vertx vertx, String address, Object body) {
    try {
      Object reply = vertx.eventBus().request(address, body).await().body();
      throw new AssertionError("expected a failure reply, got " + reply);
    } catch (ReplyException e) {
      return e;
    }
  }
}
