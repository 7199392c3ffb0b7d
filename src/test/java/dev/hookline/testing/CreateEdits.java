package dev.hookline.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import org.junit.jupiter.params.provider.Arguments;

/** Small edits that break a create message in one known place, for the refusal tests. */
public final class CreateEdits {
  private CreateEdits() {
  }

  /** A parameterized case: its label, the field the refusal must name, and the edit. */
  public static Arguments invalid(String label, String field, Consumer<JsonObject> breakIt) {
    return Arguments.of(label, field, breakIt);
  }

  public static Arguments reserved(String name) {
    return invalid("reserved " + name, "webhook.customHeaders[0].key", m -> headers(m, one(name, "v")));
  }

  public static JsonObject webhook(JsonObject message) {
    return message.getJsonObject("webhook");
  }

  public static void headers(JsonObject message, JsonArray headers) {
    webhook(message).put("customHeaders", headers);
  }

  public static JsonArray one(String key, String value) {
    return new JsonArray().add(header(key, value));
  }

  public static JsonArray manyHeaders(int count) {
    JsonArray headers = new JsonArray();
    for (int i = 0; i < count; i++) {
      headers.add(header("X-H" + i, "v" + i));
    }
    return headers;
  }

  public static JsonObject header(String key, String value) {
    return new JsonObject().put("key", key).put("value", value);
  }
}
