package dev.hookline.intake;

import dev.hookline.domain.Failure;
import dev.hookline.domain.InvalidRequestException;
import io.vertx.core.json.JsonObject;

/**
 * The answer for one create of a batch: a reply, or the error that refused this item alone
 * (invalid input or a tenant mismatch). Storage failures are not items: they fail the whole batch.
 */
public record CreateItem(CreateReply reply, RuntimeException error) {

  static CreateItem of(CreateReply reply) {
    return new CreateItem(reply, null);
  }

  static CreateItem failed(RuntimeException error) {
    return new CreateItem(null, error);
  }

  /** A reply as in the single-create contract, or {@code {"status":"failed","code","error"[,"field"]}}. */
  public JsonObject toJson() {
    if (reply != null) {
      return reply.toJson();
    }
    JsonObject json = new JsonObject().put("status", "failed").put("code", Failure.of(error, true).busCode())
        .put("error", error.getMessage());
    if (error instanceof InvalidRequestException invalid) {
      json.put("field", invalid.field());
    }
    return json;
  }
}
