package dev.hookline.config;

/**
 * One accepted bearer token. An operator token ({@code organizationId} null) may do everything; a
 * tenant token sees and acts on one organization's deliveries and credentials only.
 * {@link #toString()} never shows the token.
 */
public record ApiToken(String token, Long organizationId) {

  public static ApiToken operator(String token) {
    return new ApiToken(token, null);
  }

  public static ApiToken tenant(String token, long organizationId) {
    return new ApiToken(token, organizationId);
  }

  public boolean isOperator() {
    return organizationId == null;
  }

  @Override
  public String toString() {
    return isOperator() ? "ApiToken[operator]" : "ApiToken[organization " + organizationId + "]";
  }
}
