package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.credentials.CredentialData;
import dev.hookline.domain.InvalidRequestException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Credential data rules: every value that becomes a header is refused with control characters. */
class CredentialDataTest {
  private static final String SECRET = "s3cret-value";

  @ParameterizedTest
  @CsvSource({"bearer_token, token", "api_key, api_key", "custom_header, header_value"})
  void headerValuesWithControlCharactersAreRefusedWithoutQuotingThem(String type, String field) {
    JsonObject data = new JsonObject().put("header_name", "X-Key").put(field, SECRET + "\n");

    assertThatThrownBy(() -> CredentialData.validate(type, data, "X-Dograh"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("data." + field)
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void aTabIsAllowedInAHeaderValue() {
    CredentialData.validate("bearer_token", new JsonObject().put("token", "a\tb"), "X-Dograh");
  }

  @Test
  void maskingHidesEverySecretButKeepsNames() {
    JsonObject masked = CredentialData.masked("custom_header", new JsonObject().put("header_name", "X-Key")
        .put("header_value", SECRET).put("secrets", new JsonArray().add(SECRET).add(SECRET)));

    assertThat(masked.encode()).doesNotContain(SECRET).contains("X-Key");
    assertThat(masked.getJsonArray("secrets")).containsExactly("********", "********");
  }

  @Test
  void aFieldIsShownOnlyWhereItsTypeUsesItAsAName() {
    // A bearer token does not use header_name or username: stored there, a secret stays hidden.
    JsonObject bearer = CredentialData.masked("bearer_token", new JsonObject().put("token", SECRET)
        .put("header_name", SECRET).put("username", SECRET));
    JsonObject basic = CredentialData.masked("basic_auth", new JsonObject().put("username", "hook-user")
        .put("password", SECRET).put("header_name", SECRET));
    JsonObject signing = CredentialData.masked("standard_webhooks", new JsonObject()
        .put("secrets", new JsonArray().add(SECRET)).put("username", SECRET));

    assertThat(bearer.encode() + basic.encode() + signing.encode()).doesNotContain(SECRET);
    assertThat(basic.getString("username")).as("many APIs put their key there").isEqualTo("********");
  }
}
