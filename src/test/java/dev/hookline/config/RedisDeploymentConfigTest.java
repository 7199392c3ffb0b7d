package dev.hookline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code redis.type}, {@code redis.endpoints} and {@code redis.masterName}: what each type needs, and what is refused. */
@Timeout(30)
class RedisDeploymentConfigTest {

  private static HooklineConfig.Redis redis(JsonObject section) {
    return redis(section, Map.of());
  }

  private static HooklineConfig.Redis redis(JsonObject section, Map<String, String> env) {
    JsonObject json = ConfigLoader.defaults();
    json.getJsonObject("redis").mergeIn(section);
    ConfigLoader.applyEnvironment(json, env);
    return HooklineConfig.from(json, env).redis();
  }

  private static String problemWith(JsonObject section) {
    assertThatThrownBy(() -> redis(section)).isInstanceOf(ConfigException.class);
    try {
      redis(section);
      return null;
    } catch (ConfigException e) {
      return e.getMessage();
    }
  }

  @Test
  void standaloneIsTheDefaultAndConnectsToTheUrlAlone() {
    HooklineConfig.Redis redis = redis(new JsonObject());

    assertThat(redis.type()).isEqualTo(HooklineConfig.Redis.Type.STANDALONE);
    assertThat(redis.connectionStrings()).containsExactly("redis://127.0.0.1:6379");
    assertThat(redis.describe()).isEqualTo("Redis at redis://127.0.0.1:6379 (redis.url, HOOKLINE_REDIS_URL)");
  }

  @Test
  void aClusterUsesTheEndpointsAndTheUrlAsSeeds() {
    HooklineConfig.Redis redis = redis(new JsonObject().put("type", "cluster").put("url", "redis://:pw@10.0.0.9:7000")
        .put("endpoints", new JsonArray().add("redis://:pw@10.0.0.1:7000").add("rediss://10.0.0.2:7000")));

    assertThat(redis.clustered()).isTrue();
    assertThat(redis.connectionStrings()).containsExactly("redis://:pw@10.0.0.1:7000", "rediss://10.0.0.2:7000",
        "redis://:pw@10.0.0.9:7000");
    assertThat(redis.describe()).doesNotContain("pw").contains("redis://:***@10.0.0.1:7000");
  }

  @Test
  void aClusterNamedByTheUrlAloneWorks() {
    HooklineConfig.Redis redis = redis(new JsonObject().put("type", "cluster").put("url", "redis://10.0.0.9:7000"));

    assertThat(redis.connectionStrings()).containsExactly("redis://10.0.0.9:7000");
  }

  @Test
  void endpointsComeCommaSeparatedFromTheEnvironment() {
    HooklineConfig.Redis redis = redis(new JsonObject(), Map.of("HOOKLINE_REDIS_TYPE", "sentinel",
        "HOOKLINE_REDIS_ENDPOINTS", "redis://s1:26379, redis://s2:26379", "HOOKLINE_REDIS_MASTER_NAME", "mymaster"));

    assertThat(redis.type()).isEqualTo(HooklineConfig.Redis.Type.SENTINEL);
    assertThat(redis.connectionStrings()).containsExactly("redis://s1:26379", "redis://s2:26379");
    assertThat(redis.masterName()).isEqualTo("mymaster");
  }

  @Test
  void aSentinelSetUpNeedsItsMasterNameAndSentinels() {
    assertThat(problemWith(new JsonObject().put("type", "sentinel")
        .put("endpoints", new JsonArray().add("redis://s1:26379"))))
        .contains("redis.masterName (HOOKLINE_REDIS_MASTER_NAME) must name the master");
    assertThat(problemWith(new JsonObject().put("type", "sentinel").put("masterName", "m")))
        .contains("redis.endpoints (HOOKLINE_REDIS_ENDPOINTS) must list at least one sentinel");
  }

  @Test
  void aClusterWithNoSeedIsRefused() {
    assertThat(problemWith(new JsonObject().put("type", "cluster").put("url", "")))
        .contains("redis.endpoints (HOOKLINE_REDIS_ENDPOINTS) or redis.url must name at least one node");
  }

  @Test
  void anUnknownTypeIsNamed() {
    assertThat(problemWith(new JsonObject().put("type", "replicated")))
        .contains("redis.type must be standalone, cluster or sentinel (got \"replicated\")");
  }

  @Test
  void aBadEndpointIsNamedByItsIndexWithoutItsPassword() {
    String problem = problemWith(new JsonObject().put("type", "cluster")
        .put("endpoints", new JsonArray().add("redis://a:7000").add("http://:s3cret@b:7000")));

    assertThat(problem).contains("redis.endpoints[1] must be a redis:// or rediss:// URL").doesNotContain("s3cret");
  }

  @Test
  void endpointsOrAMasterNameWithoutATypeAreRefused() {
    assertThat(problemWith(new JsonObject().put("endpoints", new JsonArray().add("redis://a:7000"))))
        .contains("redis.endpoints (HOOKLINE_REDIS_ENDPOINTS) is read only when redis.type is cluster or sentinel");
    assertThat(problemWith(new JsonObject().put("masterName", "m")))
        .contains("redis.masterName is read only when redis.type is sentinel");
  }

  @Test
  void aClusterKeyPrefixMayNotCarryAHashTag() {
    assertThat(problemWith(new JsonObject().put("type", "cluster").put("keyPrefix", "{hl}")))
        .contains("redis.keyPrefix must not contain { or } when redis.type is cluster");
  }

  @Test
  void theEventBusPortIsItsOwnKey() {
    JsonObject json = ConfigLoader.defaults();
    assertThat(HooklineConfig.from(json).cluster().eventBusPort()).isZero();
    json.getJsonObject("cluster").put("eventBusPort", 5801);
    assertThat(HooklineConfig.from(json).cluster().eventBusPort()).isEqualTo(5801);
    json.getJsonObject("cluster").put("eventBusPort", 70_000);
    assertThatThrownBy(() -> HooklineConfig.from(json)).hasMessageContaining("cluster.eventBusPort");
  }

  @Test
  void passwordsAreMaskedWhereverAUrlAppearsInText() {
    assertThat(HooklineConfig.maskPasswords("Failed obtaining connection to: redis://:s3cret@127.0.0.1:7001,"
        + " and rediss://user:pa55@host:7002/0?password=x"))
        .isEqualTo("Failed obtaining connection to: redis://:***@127.0.0.1:7001, and rediss://user:***@host:7002/0"
            + "?password=***");
    assertThat(List.of(HooklineConfig.maskPasswords("redis://127.0.0.1:7001"))).containsExactly("redis://127.0.0.1:7001");
  }
}
