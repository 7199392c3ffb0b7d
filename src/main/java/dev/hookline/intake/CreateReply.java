package dev.hookline.intake;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;

/** The success reply of the create contract. */
public record CreateReply(String status, Long deliveryId, UUID deliveryUuid, List<String> droppedHeaders,
                          String reason) {

  public static CreateReply skipped(String reason) {
    return new CreateReply("skipped", null, null, List.of(), reason);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("status", status);
    if (deliveryId != null) {
      json.put("deliveryId", deliveryId).put("deliveryUuid", deliveryUuid.toString());
    }
    json.put("droppedHeaders", new JsonArray(List.copyOf(droppedHeaders)));
    if (reason != null) {
      json.put("reason", reason);
    }
    return json;
  }
}
