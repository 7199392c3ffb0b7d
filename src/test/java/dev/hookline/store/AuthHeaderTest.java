package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.credentials.AuthHeader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuthHeaderTest {

  @Test
  void bearerTokenBecomesAuthorizationBearer() {
    assertThat(AuthHeader.from("bearer_token", new JsonObject().put("token", "t")))
        .contains(new AuthHeader("Authorization", "Bearer t"));
  }

  @Test
  void apiKeyDefaultsToXApiKeyHeader() {
    assertThat(AuthHeader.from("api_key", new JsonObject().put("api_key", "k")))
        .contains(new AuthHeader("X-API-Key", "k"));
  }

  @Test
  void apiKeyUsesGivenHeaderName() {
    assertThat(AuthHeader.from("api_key", new JsonObject().put("header_name", "X-Key").put("api_key", "k")))
        .contains(new AuthHeader("X-Key", "k"));
  }

  @Test
  void basicAuthIsBase64OfUserColonPassword() {
    assertThat(AuthHeader.from("basic_auth", new JsonObject().put("username", "u").put("password", "p")))
        .contains(new AuthHeader("Authorization", "Basic dTpw"));
  }

  @Test
  void customHeaderUsesGivenNameAndValue() {
    assertThat(AuthHeader.from("custom_header", new JsonObject().put("header_name", "X-H").put("header_value", "v")))
        .contains(new AuthHeader("X-H", "v"));
  }

  static Stream<Arguments> unusable() {
    return Stream.of(
        Arguments.of("oauth2", new JsonObject().put("token", "t")),
        Arguments.of("bearer_token", new JsonObject()),
        Arguments.of("bearer_token", new JsonObject().put("token", "")),
        Arguments.of("bearer_token", new JsonObject().put("token", 42)),
        Arguments.of("bearer_token", new JsonObject().putNull("token")),
        Arguments.of("api_key", new JsonObject().put("header_name", "X-Key")),
        Arguments.of("api_key", new JsonObject().put("api_key", new JsonArray().add("k"))),
        Arguments.of("basic_auth", new JsonObject().put("username", "u")),
        Arguments.of("basic_auth", new JsonObject().put("password", "p")),
        Arguments.of("basic_auth", new JsonObject().put("username", "u").put("password", 1)),
        Arguments.of("custom_header", new JsonObject().put("header_name", "X-H")),
        Arguments.of("custom_header", new JsonObject().put("header_value", "v")),
        Arguments.of("custom_header", new JsonObject().put("header_name", true).put("header_value", "v")),
        Arguments.of(null, new JsonObject().put("token", "t")),
        Arguments.of("bearer_token", null));
  }

  @ParameterizedTest
  @MethodSource("unusable")
  void unknownTypeOrIncompleteDataGivesNoHeader(String type, JsonObject data) {
    assertThat(AuthHeader.from(type, data)).isEqualTo(Optional.empty());
  }

  @Test
  void toStringNeverShowsTheSecret() {
    String secret = "s3cr3t-T0ken-value";
    AuthHeader bearer = AuthHeader.from("bearer_token", new JsonObject().put("token", secret)).orElseThrow();
    AuthHeader custom = new AuthHeader("X-H", secret);

    assertThat(bearer.toString()).doesNotContain(secret).contains("Authorization");
    assertThat(custom.toString()).doesNotContain(secret).contains("X-H");
  }

  @Test
  void toStringNeverShowsBasicCredentials() {
    AuthHeader basic = AuthHeader.from("basic_auth",
        new JsonObject().put("username", "alice").put("password", "hunter2")).orElseThrow();

    assertThat(basic.toString()).doesNotContain("hunter2").doesNotContain(basic.value().substring("Basic ".length()));
  }
}
