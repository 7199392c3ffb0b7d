package dev.hookline.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HooklineConfigTest {

  /** Defaults with one dotted key replaced. */
  private static JsonObject defaultsWith(String dottedKey, Object value) {
    JsonObject json = ConfigLoader.defaults();
    String[] parts = dottedKey.split("\\.");
    json.getJsonObject(parts[0]).put(parts[1], value);
    return json;
  }

  private static String problemWith(JsonObject json) {
    try {
      HooklineConfig.from(json);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for " + json.encode());
  }

  @Test
  void defaultsValidateToTheDocumentedValues() {
    HooklineConfig config = HooklineConfig.from(ConfigLoader.defaults());

    HooklineConfig.Delivery delivery = config.delivery();
    assertThat(delivery.maxAttempts()).isEqualTo(5);
    assertThat(delivery.baseDelaySeconds()).isEqualTo(30.0);
    assertThat(delivery.maxDelaySeconds()).isEqualTo(600.0);
    assertThat(delivery.timeoutSeconds()).isEqualTo(30.0);
    assertThat(delivery.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(delivery.leaseSeconds()).isEqualTo(90.0);
    assertThat(delivery.lease()).isEqualTo(Duration.ofSeconds(90));
    assertThat(delivery.maxUnrecordedAttempts()).isEqualTo(3);
    assertThat(delivery.instances()).isEqualTo(2);
    assertThat(delivery.maxInFlight()).isEqualTo(256);
    assertThat(delivery.headerPrefix()).isEqualTo("X-Dograh");
    assertThat(config.redis().keyPrefix()).isEqualTo("hookline");
    assertThat(config.redis().shards()).isEqualTo(4);
    assertThat(config.sweep().interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.sweep().pageSize()).isEqualTo(500);
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.postgres().url()).isEqualTo("postgresql://postgres@127.0.0.1:5432/hookline");
  }

  @Test
  void fractionalSecondsAreKept() {
    HooklineConfig config = HooklineConfig.from(defaultsWith("delivery.baseDelaySeconds", 0.05));

    assertThat(config.delivery().baseDelaySeconds()).isEqualTo(0.05);
  }

  @Test
  void zeroMaxAttemptsIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.maxAttempts", 0))).contains("delivery.maxAttempts");
  }

  @Test
  void textMaxAttemptsIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.maxAttempts", "abc"))).contains("delivery.maxAttempts");
  }

  @Test
  void fractionalMaxAttemptsIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.maxAttempts", 2.5))).contains("delivery.maxAttempts");
  }

  @Test
  void negativeTimeoutIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.timeoutSeconds", -1))).contains("delivery.timeoutSeconds");
  }

  @Test
  void nonPostgresUrlIsRefused() {
    assertThat(problemWith(defaultsWith("postgres.url", "mysql://x"))).contains("postgres.url");
  }

  @Test
  void theMigrationLockWaitDefaultsToAnHourAndTheSchemaCheckToThirtySeconds() {
    HooklineConfig.Postgres postgres = HooklineConfig.from(ConfigLoader.defaults()).postgres();

    assertThat(postgres.migrationLockWait()).isEqualTo(Duration.ofHours(1));
    assertThat(postgres.schemaCheck()).isEqualTo(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-1, 1.5, 604_801})
  void aMigrationLockWaitThatIsNotWholeSecondsUpToAWeekIsRefused(double seconds) {
    assertThat(problemWith(defaultsWith("postgres.migrationLockWaitSeconds", seconds)))
        .contains("postgres.migrationLockWaitSeconds must be a whole number from 0 to 604800");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -1, 3_601})
  void aSchemaCheckIntervalOutsideItsRangeIsRefused(double seconds) {
    assertThat(problemWith(defaultsWith("postgres.schemaCheckSeconds", seconds)))
        .contains("postgres.schemaCheckSeconds");
  }

  @Test
  void nonRedisUrlIsRefused() {
    assertThat(problemWith(defaultsWith("redis.url", "http://x"))).contains("redis.url");
  }

  @Test
  void zeroShardsIsRefused() {
    assertThat(problemWith(defaultsWith("redis.shards", 0))).contains("redis.shards");
  }

  @Test
  void anApiTokenEntryMayBindATokenToOneOrganization() {
    JsonObject json = defaultsWith("http.apiTokens", new JsonArray().add("operator-token-0123456789")
        .add(new JsonObject().put("token", "tenant-token-0123456789").put("organizationId", 7)));

    assertThat(HooklineConfig.from(json).http().apiTokens()).containsExactly(
        ApiToken.operator("operator-token-0123456789"), ApiToken.tenant("tenant-token-0123456789", 7));
    assertThat(problemWith(defaultsWith("http.apiTokens", new JsonArray().add(new JsonObject()
        .put("token", "tenant-token-0123456789").put("organizationId", "seven"))))).contains("http.apiTokens[0]");
    assertThat(problemWith(defaultsWith("http.apiTokens", new JsonArray().add("short")))).contains("http.apiTokens[0]")
        .contains("16 characters");
  }

  @Test
  void anUnsetLeaseFollowsTheTimeout() {
    JsonObject json = defaultsWith("delivery.timeoutSeconds", 120);

    assertThat(HooklineConfig.from(json).delivery().leaseSeconds()).isEqualTo(180.0);
  }

  @Test
  void theCircuitBreakerDefaultsToTenFailuresAtFiftyPercentOverThirtySeconds() {
    HooklineConfig.Circuit circuit = HooklineConfig.from(ConfigLoader.defaults()).delivery().circuit();

    assertThat(circuit.failureThreshold()).isEqualTo(10);
    assertThat(circuit.failureRatePercent()).isEqualTo(50);
    assertThat(circuit.window()).isEqualTo(Duration.ofSeconds(30));
    assertThat(circuit.enabled()).isTrue();
    assertThat(HooklineConfig.from(defaultsWith("delivery.circuitFailureThreshold", 0)).delivery().circuit().enabled())
        .as("0 turns it off").isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 101})
  void aFailureRateOutsideOneToOneHundredPercentIsRefused(int percent) {
    assertThat(problemWith(defaultsWith("delivery.circuitFailureRatePercent", percent)))
        .contains("delivery.circuitFailureRatePercent");
  }

  @Test
  void aFractionalFailureRateIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.circuitFailureRatePercent", 50.5)))
        .contains("delivery.circuitFailureRatePercent");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.5, -1})
  void aWindowShorterThanASecondIsRefused(double seconds) {
    assertThat(problemWith(defaultsWith("delivery.circuitWindowSeconds", seconds)))
        .contains("delivery.circuitWindowSeconds");
  }

  @Test
  void aTextWindowIsRefused() {
    assertThat(problemWith(defaultsWith("delivery.circuitWindowSeconds", "30s"))).contains("delivery.circuitWindowSeconds");
  }

  @Test
  void theUnrecordedAttemptBoundIsAtLeastTwo() {
    // One unrecorded claim (a 2xx whose success write failed) must leave room for the send that settles it.
    assertThat(problemWith(defaultsWith("delivery.maxUnrecordedAttempts", 1))).contains("delivery.maxUnrecordedAttempts")
        .contains("2");
    assertThat(problemWith(defaultsWith("delivery.maxUnrecordedAttempts", 0))).contains("delivery.maxUnrecordedAttempts");
    assertThat(HooklineConfig.from(defaultsWith("delivery.maxUnrecordedAttempts", 2)).delivery().maxUnrecordedAttempts())
        .isEqualTo(2);
  }

  @Test
  void leaseEqualToTimeoutIsRefused() {
    JsonObject json = defaultsWith("delivery.leaseSeconds", 30);
    json.getJsonObject("delivery").put("timeoutSeconds", 30);

    assertThat(problemWith(json))
        .contains("delivery.leaseSeconds").contains("delivery.timeoutSeconds").contains("longer");
  }

  @Test
  void leaseShorterThanTimeoutIsRefused() {
    JsonObject json = defaultsWith("delivery.leaseSeconds", 20);
    json.getJsonObject("delivery").put("timeoutSeconds", 30);

    assertThat(problemWith(json)).contains("delivery.leaseSeconds").contains("delivery.timeoutSeconds");
  }

  @Test
  void leaseLongerThanTimeoutIsAccepted() {
    JsonObject json = defaultsWith("delivery.leaseSeconds", 31);
    json.getJsonObject("delivery").put("timeoutSeconds", 30);

    assertThat(HooklineConfig.from(json).delivery().leaseSeconds()).isEqualTo(31.0);
  }

  @Test
  void anUnsetStallTimeFollowsTheLeaseAndTheIdlePoll() {
    assertThat(HooklineConfig.from(ConfigLoader.defaults()).delivery().stallAfter()).isEqualTo(Duration.ofSeconds(120));
    assertThat(HooklineConfig.from(defaultsWith("delivery.timeoutSeconds", 120)).delivery().stallSeconds())
        .as("lease 180 + 30").isEqualTo(210.0);
    assertThat(HooklineConfig.from(defaultsWith("delivery.idlePollSeconds", 300)).delivery().stallSeconds())
        .as("idle poll 300 + 30").isEqualTo(330.0);
  }

  @Test
  void aStallTimeNotLongerThanTheLeaseAndTheIdlePollIsRefusedAndZeroTurnsItOff() {
    assertThat(problemWith(defaultsWith("delivery.stallSeconds", 90))).contains("delivery.stallSeconds")
        .contains("delivery.leaseSeconds").contains("or 0");
    JsonObject slowPoll = defaultsWith("delivery.stallSeconds", 100);
    slowPoll.getJsonObject("delivery").put("idlePollSeconds", 100);
    assertThat(problemWith(slowPoll)).contains("delivery.stallSeconds").contains("delivery.idlePollSeconds");
    assertThat(problemWith(defaultsWith("delivery.stallSeconds", -1))).contains("delivery.stallSeconds");
    assertThat(problemWith(defaultsWith("delivery.stallSeconds", "soon"))).contains("delivery.stallSeconds");
    assertThat(HooklineConfig.from(defaultsWith("delivery.stallSeconds", 0)).delivery().stallAfter()).isZero();
    assertThat(HooklineConfig.from(defaultsWith("delivery.stallSeconds", 90.5)).delivery().stallSeconds()).isEqualTo(90.5);
  }

  @Test
  void everyBadKeyIsNamedInOneMessage() {
    JsonObject json = defaultsWith("delivery.maxAttempts", 0);
    json.getJsonObject("redis").put("shards", 0);

    assertThat(problemWith(json)).contains("delivery.maxAttempts").contains("redis.shards");
  }

  @Test
  void missingKeyIsRefused() {
    JsonObject json = ConfigLoader.defaults();
    json.getJsonObject("http").remove("port");

    assertThat(problemWith(json)).contains("http.port");
  }

  @Test
  void postgresRedactedUrlMasksThePassword() {
    HooklineConfig.Postgres postgres = new HooklineConfig.Postgres("postgresql://u:s3cret@h:5432/db", 8);

    assertThat(postgres.redactedUrl()).doesNotContain("s3cret").contains("u:***@h");
  }

  @Test
  void redisRedactedUrlMasksAPasswordWithoutUser() {
    HooklineConfig.Redis redis = new HooklineConfig.Redis("redis://:pw@h:6379", "hookline", 4, 8);

    assertThat(redis.redactedUrl()).doesNotContain("pw").contains("h:6379");
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgresql://u@h:5432/db?password=abc", "postgresql://u@h:5432/db?sslmode=disable&password=abc",
      "postgresql://u@h:5432/db?PASSWORD=abc"})
  void redactedUrlMasksAPasswordQueryParameter(String url) {
    String redacted = new HooklineConfig.Postgres(url, 8).redactedUrl();

    assertThat(redacted).doesNotContain("abc").contains("u@h:5432/db");
  }

  @Test
  void urlWithoutPasswordIsLeftReadable() {
    assertThat(new HooklineConfig.Postgres("postgresql://postgres@127.0.0.1:5432/hookline", 8).redactedUrl())
        .isEqualTo("postgresql://postgres@127.0.0.1:5432/hookline");
  }

  @Test
  void validationMessageDoesNotLeakTheRejectedUrlsPassword() {
    String message = problemWith(defaultsWith("postgres.url", "mysql://u:s3cret@h:3306/db"));

    assertThat(message).contains("postgres.url").doesNotContain("s3cret");
  }

  @Test
  void anApiOnANonLoopbackAddressNeedsAToken() {
    String problem = problemWith(defaultsWith("http.host", "0.0.0.0"));

    assertThat(problem).contains("http.host 0.0.0.0").contains("http.apiTokens").contains("HOOKLINE_API_TOKENS");
  }

  @Test
  void anApiOnANonLoopbackAddressWithATokenIsAccepted() {
    JsonObject json = defaultsWith("http.host", "0.0.0.0");
    json.getJsonObject("http").put("apiTokens", new JsonArray().add("a-long-enough-token-123"));

    HooklineConfig config = HooklineConfig.from(json);

    assertThat(config.http().apiTokens()).containsExactly(ApiToken.operator("a-long-enough-token-123"));
    assertThat(config.http().toString()).doesNotContain("a-long-enough-token-123");
  }

  @Test
  void loopbackAddressesMayServeAnOpenApi() {
    for (String host : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
      assertThat(HooklineConfig.from(defaultsWith("http.host", host)).http().apiTokens()).isEmpty();
    }
  }

  @Test
  void shortTokensAreRefused() {
    JsonObject json = ConfigLoader.defaults();
    json.getJsonObject("http").put("apiTokens", new JsonArray().add("short"));

    assertThat(problemWith(json)).contains("http.apiTokens").contains("16");
  }

  @Test
  void secretKeysComeFromTheListAndTheKeyFileWithTheListFirst(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    java.nio.file.Path file = dir.resolve("keys");
    java.nio.file.Files.writeString(file, "# rotated out in 2026\nold:" + key + "\n");
    JsonObject json = defaultsWith("security.secretKeysFile", file.toString());
    json.getJsonObject("security").put("secretKeys", new JsonArray().add("new:" + key));

    HooklineConfig config = HooklineConfig.from(json);

    assertThat(config.security().keyRing().keyIds()).containsExactly("new", "old");
    assertThat(config.security().keyRing().activeKeyId()).isEqualTo("new");
    assertThat(config.security().toString()).doesNotContain(key);
  }

  @Test
  void aMissingKeyFileNamesTheKey() {
    HooklineConfig config = HooklineConfig.from(defaultsWith("security.secretKeysFile", "/no/such/keys"));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> config.security().keyRing())
        .isInstanceOf(ConfigException.class).hasMessageContaining("security.secretKeysFile");
  }

  @Test
  void aMalformedKeyOrNetworkIsRefusedAtStartUp() {
    assertThat(problemWith(defaultsWith("security.secretKeys", new JsonArray().add("k1:short"))))
        .contains("security.secretKeys").doesNotContain("short\"");
    assertThat(problemWith(defaultsWith("security.allowedNetworks", new JsonArray().add("10.0.0.0"))))
        .contains("security.allowedNetworks");
  }
}
