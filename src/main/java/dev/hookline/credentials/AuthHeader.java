package dev.hookline.credentials;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The one header a credential contributes. {@link #toString()} never shows the value. */
public record AuthHeader(String name, String value) {

  /** Maps a credential row to its header; empty when the type is unknown or the data incomplete. */
  public static Optional<AuthHeader> from(String type, JsonObject data) {
    if (type == null || data == null) {
      return Optional.empty();
    }
    return switch (type) {
      case "bearer_token" -> text(data, "token").map(token -> new AuthHeader("Authorization", "Bearer " + token));
      case "api_key" -> text(data, "api_key").map(key ->
          new AuthHeader(text(data, "header_name").orElse("X-API-Key"), key));
      case "basic_auth" -> text(data, "username").flatMap(user -> text(data, "password").map(password ->
          new AuthHeader("Authorization", "Basic " + Base64.getEncoder()
              .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))));
      case "custom_header" -> text(data, "header_name").flatMap(name -> text(data, "header_value").map(value ->
          new AuthHeader(name, value)));
      default -> Optional.empty();
    };
  }

  /**
   * Every form in which this header's secret could come back: the value, the credential inside it
   * (after "Bearer " or "Basic "), and for basic auth the decoded "user:password", the password and
   * the username (many APIs put their key there).
   */
  public List<String> secrets() {
    List<String> secrets = new ArrayList<>();
    secrets.add(value);
    int space = value.indexOf(' ');
    String scheme = space > 0 ? value.substring(0, space) : "";
    if (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Basic")) {
      String credential = value.substring(space + 1);
      secrets.add(credential);
      if (scheme.equalsIgnoreCase("Basic")) {
        try {
          String decoded = new String(Base64.getDecoder().decode(credential), StandardCharsets.UTF_8);
          int colon = decoded.indexOf(':');
          secrets.add(decoded);
          secrets.add(decoded.substring(colon + 1));
          secrets.add(decoded.substring(0, Math.max(0, colon)));
        } catch (IllegalArgumentException notBase64) {
          // Only this credential's own value then.
        }
      }
    }
    return secrets;
  }

  private static Optional<String> text(JsonObject data, String field) {
    return data.getValue(field) instanceof String s && !s.isEmpty() ? Optional.of(s) : Optional.empty();
  }

  @Override
  public String toString() {
    return "AuthHeader[name=" + name + ", value=***]";
  }
}
