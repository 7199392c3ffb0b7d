package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.intake.InvalidRequestException;
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
    JsonObject masked = CredentialData.masked(new JsonObject().put("header_name", "X-Key").put("header_value", SECRET)
        .put("secrets", new JsonArray().add(SECRET).add(SECRET)));

    assertThat(masked.encode()).doesNotContain(SECRET).contains("X-Key");
    assertThat(masked.getJsonArray("secrets")).containsExactly("********", "********");
  }
}
