package dev.hookline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private static HooklineConfig loadEnv(Map<String, String> env) {
    return HooklineConfig.from(ConfigLoader.load(null, env));
  }

  @Test
  void noFileAndNoEnvironmentGivesTheDefaults() {
    assertThat(ConfigLoader.load(null, Map.of())).isEqualTo(ConfigLoader.defaults());
  }

  @ParameterizedTest
  @CsvSource({
      "WEBHOOK_DELIVERY_MAX_ATTEMPTS, 7, maxAttempts, 7",
      "WEBHOOK_DELIVERY_BASE_DELAY_SECONDS, 0.05, baseDelaySeconds, 0.05",
      "WEBHOOK_DELIVERY_MAX_DELAY_SECONDS, 5, maxDelaySeconds, 5",
      "WEBHOOK_DELIVERY_TIMEOUT_SECONDS, 2, timeoutSeconds, 2"})
  void legacyVariableLandsOnItsKeyAsANumber(String variable, String value, String key, double expected) {
    JsonObject delivery = ConfigLoader.load(null, Map.of(variable, value)).getJsonObject("delivery");

    assertThat(delivery.getValue(key)).isInstanceOf(Number.class);
    assertThat(delivery.getDouble(key)).isEqualTo(expected);
    JsonObject untouched = ConfigLoader.defaults().getJsonObject("delivery");
    untouched.remove(key);
    delivery.remove(key);
    assertThat(delivery).isEqualTo(untouched);
  }

  @Test
  void legacyMaxAttemptsValidatesAsAWholeNumber() {
    assertThat(loadEnv(Map.of("WEBHOOK_DELIVERY_MAX_ATTEMPTS", "7")).delivery().maxAttempts()).isEqualTo(7);
  }

  @Test
  void allLegacyVariablesTogetherLandOnTheirKeys() {
    HooklineConfig.Delivery delivery = loadEnv(Map.of(
        "WEBHOOK_DELIVERY_MAX_ATTEMPTS", "7",
        "WEBHOOK_DELIVERY_BASE_DELAY_SECONDS", "0.05",
        "WEBHOOK_DELIVERY_MAX_DELAY_SECONDS", "5",
        "WEBHOOK_DELIVERY_TIMEOUT_SECONDS", "2")).delivery();

    assertThat(delivery.maxAttempts()).isEqualTo(7);
    assertThat(delivery.baseDelaySeconds()).isEqualTo(0.05);
    assertThat(delivery.maxDelaySeconds()).isEqualTo(5.0);
    assertThat(delivery.timeoutSeconds()).isEqualTo(2.0);
    assertThat(delivery.leaseSeconds()).as("follows the timeout when not set").isEqualTo(62.0);
  }

  @Test
  void aLongTimeoutAloneStartsWithALeaseThatFollowsIt() {
    HooklineConfig.Delivery delivery = loadEnv(Map.of("WEBHOOK_DELIVERY_TIMEOUT_SECONDS", "120")).delivery();

    assertThat(delivery.leaseSeconds()).isEqualTo(180.0);
  }

  @Test
  void anExplicitLeaseStillWinsAndIsStillChecked() {
    assertThat(loadEnv(Map.of("HOOKLINE_DELIVERY_LEASE_SECONDS", "45")).delivery().leaseSeconds()).isEqualTo(45.0);
    assertThatThrownBy(() -> loadEnv(Map.of("WEBHOOK_DELIVERY_TIMEOUT_SECONDS", "120",
        "HOOKLINE_DELIVERY_LEASE_SECONDS", "90")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("delivery.leaseSeconds (90.0) must be longer than delivery.timeoutSeconds (120.0)");
  }

  @Test
  void postgresAndRedisUrlsCanBeOverridden() {
    HooklineConfig config = loadEnv(Map.of(
        "HOOKLINE_POSTGRES_URL", "postgresql://app:pw@db.internal:6543/hooks",
        "HOOKLINE_REDIS_URL", "rediss://cache.internal:6380"));

    assertThat(config.postgres().url()).isEqualTo("postgresql://app:pw@db.internal:6543/hooks");
    assertThat(config.redis().url()).isEqualTo("rediss://cache.internal:6380");
  }

  @Test
  void genericVariablesSetAnyKey() {
    HooklineConfig config = loadEnv(Map.of("HOOKLINE_DELIVERY_MAX_IN_FLIGHT", "10", "HOOKLINE_SWEEP_PAGE_SIZE", "20"));

    assertThat(config.delivery().maxInFlight()).isEqualTo(10);
    assertThat(config.sweep().pageSize()).isEqualTo(20);
  }

  @ParameterizedTest
  @CsvSource({
      "delivery, maxInFlight, HOOKLINE_DELIVERY_MAX_IN_FLIGHT",
      "sweep, pageSize, HOOKLINE_SWEEP_PAGE_SIZE",
      "postgres, url, HOOKLINE_POSTGRES_URL",
      "delivery, baseDelaySeconds, HOOKLINE_DELIVERY_BASE_DELAY_SECONDS",
      "http, port, HOOKLINE_HTTP_PORT"})
  void envNameIsUpperSnakeCaseWithPrefix(String section, String key, String expected) {
    assertThat(ConfigLoader.envName(section, key)).isEqualTo(expected);
  }

  @Test
  void hooklineNameBeatsLegacyName() {
    HooklineConfig config = loadEnv(Map.of(
        "WEBHOOK_DELIVERY_MAX_ATTEMPTS", "7",
        "HOOKLINE_DELIVERY_MAX_ATTEMPTS", "9"));

    assertThat(config.delivery().maxAttempts()).isEqualTo(9);
  }

  @Test
  void environmentValueIsValidatedLikeAnyOther() {
    JsonObject json = ConfigLoader.load(null, Map.of("WEBHOOK_DELIVERY_MAX_ATTEMPTS", "abc"));

    assertThatThrownBy(() -> HooklineConfig.from(json))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("delivery.maxAttempts");
  }

  @Test
  void httpCanBeTurnedOffFromTheEnvironmentAndThenNeedsNoTokenOnAnOpenHost() {
    assertThat(HooklineConfig.from(ConfigLoader.load(null, Map.of())).http().enabled()).isTrue();

    HooklineConfig config = HooklineConfig.from(ConfigLoader.load(null,
        Map.of("HOOKLINE_HTTP_ENABLED", "false", "HOOKLINE_HTTP_HOST", "0.0.0.0")));

    assertThat(config.http().enabled()).isFalse();
    assertThatThrownBy(() -> HooklineConfig.from(ConfigLoader.load(null, Map.of("HOOKLINE_HTTP_ENABLED", "maybe"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.enabled must be true or false");
  }

  @Test
  void fileOverridesOnlyTheKeysItNames() throws IOException {
    Path file = dir.resolve("hookline.json");
    Files.writeString(file, "{\"delivery\": {\"maxAttempts\": 9}, \"http\": {\"port\": 9090}}");

    HooklineConfig config = HooklineConfig.from(ConfigLoader.load(file, Map.of()));

    assertThat(config.delivery().maxAttempts()).isEqualTo(9);
    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.delivery().timeoutSeconds()).isEqualTo(30.0);
    assertThat(config.delivery().leaseSeconds()).isEqualTo(90.0);
    assertThat(config.delivery().headerPrefix()).isEqualTo("X-Dograh");
    assertThat(config.redis().shards()).isEqualTo(4);
    assertThat(config.postgres().url()).isEqualTo("postgresql://postgres@127.0.0.1:5432/hookline");
  }

  @Test
  void environmentBeatsTheFile() throws IOException {
    Path file = dir.resolve("hookline.json");
    Files.writeString(file, "{\"delivery\": {\"maxAttempts\": 9}}");

    HooklineConfig config = HooklineConfig.from(ConfigLoader.load(file, Map.of("HOOKLINE_DELIVERY_MAX_ATTEMPTS", "3")));

    assertThat(config.delivery().maxAttempts()).isEqualTo(3);
  }

  @Test
  void fileThatIsNotJsonIsRefusedNamingTheFile() throws IOException {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "delivery: {maxAttempts: 9");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void fileHoldingAJsonArrayIsRefusedNamingTheFile() throws IOException {
    Path file = dir.resolve("array.json");
    Files.writeString(file, "[1, 2]");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void missingFileIsRefusedNamingTheFile() {
    Path file = dir.resolve("absent.json");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config file " + file + " does not exist (looked for " + file.toAbsolutePath() + ")");
  }

  @Test
  void aDirectoryGivenAsTheFileIsRefusedAsSuch() {
    assertThatThrownBy(() -> ConfigLoader.load(dir, "given with -conf/--conf", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("config file " + dir + " is a directory, not a file (path given with -conf/--conf");
  }

  @Test
  void apiTokensAndClusterMembersComeCommaSeparatedFromTheEnvironment() {
    HooklineConfig config = loadEnv(Map.of(
        "HOOKLINE_API_TOKENS", "first-token-0123456789, second-token-0123456789, 7=tenant-token-0123456789",
        "HOOKLINE_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701",
        "HOOKLINE_CLUSTER_ENABLED", "true"));

    assertThat(config.http().apiTokens()).containsExactly(ApiToken.operator("first-token-0123456789"),
        ApiToken.operator("second-token-0123456789"), ApiToken.tenant("tenant-token-0123456789", 7));
    assertThat(config.cluster().members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(config.cluster().enabled()).isTrue();
  }

  // ---------------------------------------------------------------- unknown keys and variables

  private static String problemWith(Path file, Map<String, String> env) {
    try {
      HooklineConfig.from(ConfigLoader.load(file, env), env);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void everyUnknownKeyAndSectionInTheFileIsNamedAtOnceWithTheKeyMeant() throws IOException {
    Path file = dir.resolve("typos.json");
    Files.writeString(file, "{\"delivery\": {\"maxAtempts\": 3, \"colour\": \"red\"}, \"delivry\": {\"maxAttempts\": 3},"
        + " \"http\": {\"PORT\": 9090, \"maxAttempts\": 4}}");

    String problem = problemWith(file, Map.of());

    assertThat(problem).startsWith("Invalid configuration: ")
        .contains("unknown key delivery.maxAtempts (did you mean delivery.maxAttempts?)")
        .contains("unknown key delivery.colour;")
        .contains("unknown section delivry (did you mean delivery?)")
        .contains("unknown key http.PORT (did you mean http.port?)")
        .contains("unknown key http.maxAttempts (did you mean delivery.maxAttempts?)")
        .doesNotContain("red");
  }

  @Test
  void unknownKeysAreReportedTogetherWithBadValues() throws IOException {
    Path file = dir.resolve("mixed.json");
    Files.writeString(file, "{\"delivery\": {\"maxAttempts\": 0, \"leaseSecond\": 100}}");

    assertThat(problemWith(file, Map.of()))
        .contains("unknown key delivery.leaseSecond (did you mean delivery.leaseSeconds?)")
        .contains("delivery.maxAttempts must be a whole number");
  }

  @Test
  void everyUnknownHooklineVariableIsNamedWithTheVariableMeantAndNeverItsValue() {
    Map<String, String> env = Map.of(
        "HOOKLINE_DELIVERY_MAX_ATEMPTS", "3",
        "HOOKLINE_REDIS_PASSWORD", "s3cret-value-never-shown",
        "hookline_http_port", "9090",
        "HOOKLINE_API_TOKEN", "another-s3cret-value");

    String problem = problemWith(null, env);

    assertThat(problem).startsWith("Invalid configuration: ")
        .contains("unknown environment variable HOOKLINE_DELIVERY_MAX_ATEMPTS (did you mean HOOKLINE_DELIVERY_MAX_ATTEMPTS?)")
        .contains("unknown environment variable HOOKLINE_REDIS_PASSWORD")
        .contains("unknown environment variable hookline_http_port (did you mean HOOKLINE_HTTP_PORT?)")
        .contains("unknown environment variable HOOKLINE_API_TOKEN (did you mean HOOKLINE_API_TOKENS?)")
        .doesNotContain("s3cret");
  }

  @Test
  void hooklineVariablesWithOtherUsesAndOtherProgramsVariablesAreLeftAlone() {
    Map<String, String> env = Map.of(
        "HOOKLINE_CONFIG", "",
        "HOOKLINE_LOG_LEVEL", "DEBUG",
        "HOOKLINE_LOG_TARGET", "System.err",
        "HOOKLINE_TEST_PG_USER", "postgres",
        "HOOKLINE_TEST_ANYTHING_NEW", "x",
        "HOOKLINE_API_TOKENS", "first-token-0123456789",
        "HOOKLINE_SECRET_KEYS", "",
        "WEBHOOK_DELIVERY_MAX_ATTEMPTS", "4",
        "PATH", "/usr/bin",
        "WEBHOOK_SOMETHING_ELSE", "x");

    assertThat(HooklineConfig.from(ConfigLoader.load(null, env), env).delivery().maxAttempts()).isEqualTo(4);
  }

  @Test
  void everyKeyOfTheDefaultsHasAnAcceptedVariable() {
    JsonObject defaults = ConfigLoader.defaults();
    Map<String, String> env = new HashMap<>();
    for (String section : defaults.fieldNames()) {
      for (String key : defaults.getJsonObject(section).fieldNames()) {
        env.put(ConfigLoader.envName(section, key), "x");
      }
    }

    assertThat(problemWith(null, env)).doesNotContain("unknown");
  }
}
