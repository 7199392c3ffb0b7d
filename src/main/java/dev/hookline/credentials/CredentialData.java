package dev.hookline.credentials;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.security.HeaderRules;
import dev.hookline.security.StandardWebhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The shape of each credential type's data: validation, the request contribution, and masking. */
public final class CredentialData {
  public static final Set<String> TYPES = Set.of("bearer_token", "api_key", "basic_auth", "custom_header",
      "standard_webhooks");
  /**
   * Per type, the fields that name things rather than hold secrets and that the type really uses;
   * everything else (any other field, whatever its name) is masked on read. Basic auth's username
   * is masked too: many APIs put their key there.
   */
  private static final Map<String, Set<String>> PUBLIC_FIELDS = Map.of(
      "api_key", Set.of("header_name"),
      "custom_header", Set.of("header_name"));
  private static final String MASK = "********";

  private CredentialData() {
  }

  /** Throws {@link InvalidRequestException} naming the field; the message never repeats a secret. */
  public static void validate(String type, JsonObject data, String headerPrefix) {
    if (type == null || !TYPES.contains(type)) {
      throw new InvalidRequestException("type", "must be one of " + String.join(", ", TYPES.stream().sorted().toList()));
    }
    if (data == null) {
      throw new InvalidRequestException("data", "is required");
    }
    switch (type) {
      case "bearer_token" -> headerValue(data, "token");
      case "api_key" -> {
        headerValue(data, "api_key");
        optionalHeaderName(data, headerPrefix);
      }
      case "basic_auth" -> {
        if (required(data, "username").contains(":")) {
          throw new InvalidRequestException("data.username", "must not contain ':'");
        }
        required(data, "password");
      }
      case "custom_header" -> {
        requiredHeaderName(data, headerPrefix);
        headerValue(data, "header_value");
      }
      default -> secrets(data);
    }
  }

  /** The request contribution of a stored credential; empty when the data is unusable. */
  public static Optional<Credential> toCredential(String type, JsonObject data) {
    if ("standard_webhooks".equals(type)) {
      try {
        return Optional.of(Credential.signing(new StandardWebhooks(secrets(data))));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
    return AuthHeader.from(type, data).map(Credential::header);
  }

  /** The data of a credential of {@code type} with every value that can hold a secret replaced, for API replies. */
  public static JsonObject masked(String type, JsonObject data) {
    JsonObject masked = new JsonObject();
    if (data == null) {
      return masked;
    }
    Set<String> visible = PUBLIC_FIELDS.getOrDefault(type, Set.of());
    for (String field : data.fieldNames()) {
      Object value = data.getValue(field);
      if (visible.contains(field) && value instanceof String) {
        masked.put(field, value);
      } else if (value instanceof JsonArray array) {
        JsonArray hidden = new JsonArray();
        array.forEach(item -> hidden.add(MASK));
        masked.put(field, hidden);
      } else {
        masked.put(field, MASK);
      }
    }
    return masked;
  }

  private static List<String> secrets(JsonObject data) {
    Object value = data.getValue("secrets");
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw new InvalidRequestException("data.secrets", "must be a non-empty list of whsec_ secrets");
    }
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String secret) || !StandardWebhooks.isValidSecret(secret)) {
        throw new InvalidRequestException("data.secrets[" + i + "]", "is not a whsec_<base64> secret of 24 to 64 bytes");
      }
      secrets.add(secret);
    }
    return secrets;
  }

  /** A value that goes into a header verbatim: control characters are refused rather than quoted back by the client. */
  private static void headerValue(JsonObject data, String field) {
    String problem = HeaderRules.valueProblem(required(data, field));
    if (problem != null) {
      throw new InvalidRequestException("data." + field, problem);
    }
  }

  private static String required(JsonObject data, String field) {
    if (!(data.getValue(field) instanceof String value) || value.isEmpty()) {
      throw new InvalidRequestException("data." + field, "must be a non-empty string");
    }
    if (value.indexOf('\0') >= 0) {
      throw new InvalidRequestException("data." + field, "must not contain NUL characters");
    }
    return value;
  }

  private static void optionalHeaderName(JsonObject data, String headerPrefix) {
    if (data.getValue("header_name") != null) {
      requiredHeaderName(data, headerPrefix);
    }
  }

  private static void requiredHeaderName(JsonObject data, String headerPrefix) {
    String name = required(data, "header_name");
    String problem = HeaderRules.nameProblem(name, headerPrefix);
    if (problem != null) {
      throw new InvalidRequestException("data.header_name", problem);
    }
  }
}
