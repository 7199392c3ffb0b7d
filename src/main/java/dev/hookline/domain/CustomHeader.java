package dev.hookline.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A tenant-supplied header that survived secret filtering; stored on the row and sent on every attempt. */
public record CustomHeader(String key, String value) {

  public static JsonArray toJson(List<CustomHeader> headers) {
    JsonArray array = new JsonArray();
    headers.forEach(h -> array.add(new JsonObject().put("key", h.key()).put("value", h.value())));
    return array;
  }

  public static List<CustomHeader> fromJson(JsonArray array) {
    List<CustomHeader> headers = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        JsonObject h = array.getJsonObject(i);
        headers.add(new CustomHeader(h.getString("key"), h.getString("value")));
      }
    }
    return headers;
  }
}
