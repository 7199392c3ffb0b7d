package dev.hookline.delivery;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one test send did, already scrubbed of the secrets it carried. {@code outcome} is
 * {@code succeeded} (a 2xx answer), {@code failed} (any other answer, or no answer) or
 * {@code refused} (the destination guard refused the address; nothing was sent). {@code sent}:
 * the request was handed to the HTTP client, the destination having passed the guard.
 */
public record TestSendResult(String outcome, Integer statusCode, long latencyMillis, Map<String, String> responseHeaders,
                             String responseBody, String error, boolean signed, boolean sent) {
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String REFUSED = "refused";

  /** The answer's headers by lower-cased name, repeated ones joined as one field (Set-Cookie's by line, as its dates hold commas). */
  static Map<String, String> joined(MultiMap headers) {
    Map<String, String> joined = new LinkedHashMap<>();
    headers.forEach(header -> {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      String separator = name.equals("set-cookie") ? "\n" : ", ";
      joined.merge(name, header.getValue(), (earlier, later) -> earlier + separator + later);
    });
    return joined;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("statusCode", statusCode)
        .put("latencyMs", latencyMillis)
        .put("responseHeaders", new JsonObject(new LinkedHashMap<>(responseHeaders)))
        .put("responseBody", responseBody)
        .put("error", error)
        .put("signed", signed)
        .put("sent", sent);
  }
}
