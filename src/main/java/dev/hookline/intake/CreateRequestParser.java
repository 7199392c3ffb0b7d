package dev.hookline.intake;

import dev.hookline.store.CustomHeader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a create message into a {@link CreateRequest}, or throws {@link InvalidRequestException}
 * naming the first bad field. Unknown fields are ignored, so a newer sibling can send more.
 */
public final class CreateRequestParser {
  static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final int MAX_NODE_ID_LENGTH = 255;

  private CreateRequestParser() {
  }

  public static CreateRequest parse(Object body) {
    JsonObject json = asObject(body, "body");
    long organizationId = positiveLong(json, "organizationId", "organizationId");
    long workflowRunId = positiveLong(json, "workflowRunId", "workflowRunId");
    String nodeId = nonEmptyString(json, "webhookNodeId", "webhookNodeId");
    if (nodeId.length() > MAX_NODE_ID_LENGTH) {
      throw new InvalidRequestException("webhookNodeId", "must be at most " + MAX_NODE_ID_LENGTH + " characters");
    }
    JsonObject webhook = asObject(json.getValue("webhook"), "webhook");

    Object enabledValue = webhook.getValue("enabled");
    if (enabledValue != null && !(enabledValue instanceof Boolean)) {
      throw new InvalidRequestException("webhook.enabled", "must be true or false");
    }
    boolean enabled = enabledValue == null || (Boolean) enabledValue;

    Object nameValue = webhook.getValue("name");
    if (nameValue != null && !(nameValue instanceof String)) {
      throw new InvalidRequestException("webhook.name", "must be a string");
    }

    Object contextValue = json.getValue("renderContext");
    JsonObject renderContext = contextValue == null ? new JsonObject() : asObject(contextValue, "renderContext");

    if (!enabled) {
      // A disabled webhook is skipped before its delivery details matter.
      return new CreateRequest(organizationId, workflowRunId, nodeId, (String) nameValue, false, null, null, null,
          List.of(), null, renderContext);
    }
    return new CreateRequest(organizationId, workflowRunId, nodeId, (String) nameValue, true,
        endpointUrl(webhook), method(webhook), credentialUuid(webhook), customHeaders(webhook),
        webhook.getValue("payloadTemplate"), renderContext);
  }

  private static String endpointUrl(JsonObject webhook) {
    String url = nonEmptyString(webhook, "endpointUrl", "webhook.endpointUrl");
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
        throw new InvalidRequestException("webhook.endpointUrl", "must be an absolute http or https URL");
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        throw new InvalidRequestException("webhook.endpointUrl", "must name a host");
      }
    } catch (URISyntaxException e) {
      throw new InvalidRequestException("webhook.endpointUrl", "is not a valid URL (" + e.getReason() + ")");
    }
    return url;
  }

  private static String method(JsonObject webhook) {
    Object value = webhook.getValue("httpMethod");
    if (value == null) {
      return "POST";
    }
    if (!(value instanceof String s) || !METHODS.contains(s.toUpperCase(Locale.ROOT))) {
      throw new InvalidRequestException("webhook.httpMethod", "must be one of GET, POST, PUT, PATCH, DELETE");
    }
    return s.toUpperCase(Locale.ROOT);
  }

  private static UUID credentialUuid(JsonObject webhook) {
    Object value = webhook.getValue("credentialUuid");
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      try {
        UUID uuid = UUID.fromString(s);
        if (uuid.toString().equalsIgnoreCase(s)) {
          return uuid;
        }
      } catch (IllegalArgumentException ignored) {
        // falls through to the error below
      }
    }
    throw new InvalidRequestException("webhook.credentialUuid", "must be a UUID or null");
  }

  private static List<CustomHeader> customHeaders(JsonObject webhook) {
    Object value = webhook.getValue("customHeaders");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new InvalidRequestException("webhook.customHeaders", "must be an array of {\"key\", \"value\"} objects");
    }
    List<CustomHeader> headers = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String field = "webhook.customHeaders[" + i + "]";
      JsonObject header = asObject(array.getValue(i), field);
      String key = nonEmptyString(header, "key", field + ".key");
      if (!HEADER_NAME.matcher(key).matches()) {
        throw new InvalidRequestException(field + ".key", hasControl(key)
            ? "must not contain CR, LF or NUL" : "is not a valid HTTP header name");
      }
      Object headerValue = header.getValue("value");
      if (!(headerValue instanceof String text)) {
        throw new InvalidRequestException(field + ".value", "must be a string");
      }
      if (hasControl(text)) {
        throw new InvalidRequestException(field + ".value", "must not contain CR, LF or NUL");
      }
      headers.add(new CustomHeader(key, text));
    }
    return headers;
  }

  private static boolean hasControl(String text) {
    return text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0;
  }

  @SuppressWarnings("unchecked")
  private static JsonObject asObject(Object value, String field) {
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof Map<?, ?> map) {
      return new JsonObject((Map<String, Object>) map);
    }
    throw new InvalidRequestException(field, value == null ? "is required" : "must be a JSON object");
  }

  private static String nonEmptyString(JsonObject json, String key, String field) {
    Object value = json.getValue(key);
    if (value == null) {
      throw new InvalidRequestException(field, "is required");
    }
    if (!(value instanceof String s)) {
      throw new InvalidRequestException(field, "must be a string");
    }
    if (s.isBlank()) {
      throw new InvalidRequestException(field, "must not be empty");
    }
    return s;
  }

  /** Ids must be JSON integers; "7", 7.5 and booleans are refused rather than guessed at. */
  private static long positiveLong(JsonObject json, String key, String field) {
    Object value = json.getValue(key);
    if (value == null) {
      throw new InvalidRequestException(field, "is required");
    }
    boolean integral = value instanceof Integer || value instanceof Long || value instanceof Short
        || (value instanceof BigInteger big && big.bitLength() < 64);
    if (!integral) {
      throw new InvalidRequestException(field, "must be an integer");
    }
    long id = ((Number) value).longValue();
    if (id <= 0) {
      throw new InvalidRequestException(field, "must be a positive integer");
    }
    return id;
  }
}
