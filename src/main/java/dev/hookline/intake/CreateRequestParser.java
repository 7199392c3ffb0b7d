package dev.hookline.intake;

import dev.hookline.domain.CustomHeader;
import dev.hookline.domain.Fields;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.domain.Utf8Check;
import dev.hookline.domain.Uuids;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.HeaderRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a create message into a {@link CreateRequest}, or throws {@link InvalidRequestException}
 * naming the first bad field. Unknown fields are ignored, so a newer sibling can send more.
 */
public final class CreateRequestParser {
  static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final int MAX_NODE_ID_LENGTH = 255;
  /*
   * In UTF-8 bytes, not characters: the URL is part of the disabled-endpoint key (organization,
   * URL), and Postgres refuses a B-tree entry over about 2,700 bytes.
   */
  static final int MAX_URL_BYTES = 2_048;
  static final int MAX_HEADERS = 32;
  /** The receiver URL's field, named by every refusal of it, here and in {@link DestinationCheck}. */
  static final String URL_FIELD = "webhook.endpointUrl";

  private final AddressPolicy destinations;
  private final String headerPrefix;
  private final RetryPlanParser retry;

  /**
   * {@code headerPrefix} names the stable id headers, which tenants must not set; {@code retryDefaults}
   * complete and bound a create's {@code retry} object.
   */
  public CreateRequestParser(AddressPolicy destinations, String headerPrefix, RetryDefaults retryDefaults) {
    this.destinations = destinations;
    this.headerPrefix = headerPrefix;
    this.retry = new RetryPlanParser(retryDefaults);
  }

  public CreateRequest parse(Object body) {
    return parse(body, false);
  }

  /**
   * A test send's body: the create body with {@code workflowRunId} and {@code webhookNodeId} optional
   * (0 and null when absent), and the webhook read even when disabled, since a test tries it as configured.
   */
  public CreateRequest parseTest(Object body) {
    return parse(body, true);
  }

  private CreateRequest parse(Object body, boolean test) {
    JsonObject json = Fields.object(body, "body");
    Utf8Check.requireValid(json, "");
    long organizationId = Fields.positiveLong(json, "organizationId");
    long workflowRunId = test && json.getValue("workflowRunId") == null ? 0 : Fields.positiveLong(json, "workflowRunId");
    String nodeId = test && json.getValue("webhookNodeId") == null ? null
        : Fields.storable(nonEmptyString(json, "webhookNodeId", "webhookNodeId"), "webhookNodeId");
    if (nodeId != null && nodeId.length() > MAX_NODE_ID_LENGTH) {
      throw new InvalidRequestException("webhookNodeId", "must be at most " + MAX_NODE_ID_LENGTH + " characters");
    }
    if (nodeId != null && nodeId.startsWith(OutcomeEvent.NODE_PREFIX)) {
      throw new InvalidRequestException("webhookNodeId", "must not start with " + OutcomeEvent.NODE_PREFIX
          + " (Hookline's own event deliveries use it)");
    }
    JsonObject webhook = Fields.object(json.getValue("webhook"), "webhook");

    Object enabledValue = webhook.getValue("enabled");
    if (enabledValue != null && !(enabledValue instanceof Boolean)) {
      throw new InvalidRequestException("webhook.enabled", "must be true or false");
    }
    boolean enabled = enabledValue == null || (Boolean) enabledValue;

    Object nameValue = webhook.getValue("name");
    if (nameValue != null && !(nameValue instanceof String)) {
      throw new InvalidRequestException("webhook.name", "must be a string");
    }
    Fields.storable((String) nameValue, "webhook.name");

    Object contextValue = json.getValue("renderContext");
    JsonObject renderContext = contextValue == null ? new JsonObject() : Fields.object(contextValue, "renderContext");

    if (!enabled && !test) {
      // A disabled webhook is skipped before its delivery details matter.
      return new CreateRequest(organizationId, workflowRunId, nodeId, (String) nameValue, false, null, null, null,
          List.of(), null, renderContext, null);
    }
    return new CreateRequest(organizationId, workflowRunId, nodeId, (String) nameValue, true,
        endpointUrl(webhook), method(webhook), credentialUuid(webhook), customHeaders(webhook),
        webhook.getValue("payloadTemplate"), renderContext, retry.parse(json.getValue("retry")));
  }

  private String endpointUrl(JsonObject webhook) {
    String field = URL_FIELD;
    String url = Fields.storable(nonEmptyString(webhook, "endpointUrl", field), field);
    int bytes = url.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_URL_BYTES) {
      throw new InvalidRequestException(field, "is " + bytes + " bytes in UTF-8, over the " + MAX_URL_BYTES
          + "-byte limit");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(field, "is not a valid URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new InvalidRequestException(field, "must be an absolute http or https URL");
    }
    // Credentials in the URL would be stored and logged with it; they belong in a credential.
    if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      throw new InvalidRequestException(field, "must not contain user info (use a credential)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new InvalidRequestException(field, "must name a host");
    }
    String authority = uri.getRawAuthority();
    if (authority.endsWith(":") || (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65_535))) {
      throw new InvalidRequestException(field, "has a port outside 1-65535");
    }
    String refusal = destinations.checkHostLiteral(uri.getHost());
    if (refusal != null) {
      throw new InvalidRequestException(field, refusal);
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
    UUID uuid = value instanceof String text ? Uuids.parseOrNull(text) : null;
    if (uuid == null) {
      throw new InvalidRequestException("webhook.credentialUuid", "must be a UUID or null");
    }
    return uuid;
  }


  private List<CustomHeader> customHeaders(JsonObject webhook) {
    Object value = webhook.getValue("customHeaders");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new InvalidRequestException("webhook.customHeaders", "must be an array of {\"key\", \"value\"} objects");
    }
    if (array.size() > MAX_HEADERS) {
      throw new InvalidRequestException("webhook.customHeaders", "has " + array.size() + " headers, over the "
          + MAX_HEADERS + " limit");
    }
    List<CustomHeader> headers = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String field = "webhook.customHeaders[" + i + "]";
      JsonObject header = Fields.object(array.getValue(i), field);
      String key = nonEmptyString(header, "key", field + ".key");
      String nameProblem = HeaderRules.nameProblem(key, headerPrefix);
      if (nameProblem != null) {
        throw new InvalidRequestException(field + ".key", nameProblem);
      }
      Object headerValue = header.getValue("value");
      if (!(headerValue instanceof String text)) {
        throw new InvalidRequestException(field + ".value", "must be a string");
      }
      requireSize(text, field + ".value");
      String valueProblem = HeaderRules.valueProblem(text);
      if (valueProblem != null) {
        throw new InvalidRequestException(field + ".value", valueProblem);
      }
      headers.add(new CustomHeader(key, text));
    }
    return headers;
  }

  private static void requireSize(String text, String field) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > HeaderRules.MAX_HEADER_BYTES) {
      throw new InvalidRequestException(field, "is " + bytes + " bytes, over the " + HeaderRules.MAX_HEADER_BYTES
          + "-byte limit");
    }
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
}
